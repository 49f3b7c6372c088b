/* netsim: placeholder until the module lands. */
#include "hoptop/netsim.h"
