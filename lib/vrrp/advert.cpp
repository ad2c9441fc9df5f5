// Implemented by the codec work (see advert.h).
#include "vrrp/advert.h"
