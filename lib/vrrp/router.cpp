// Implemented by the state-machine work (see router.h).
#include "vrrp/router.h"
