#!/bin/bash
MEM_FREE=$(free | awk '/Mem/{print $4/$2 * 100.0}')
if (( $(echo "$MEM_FREE > 50.0" | bc -l) )); then
    exit 0
else
    exit 1
fi
