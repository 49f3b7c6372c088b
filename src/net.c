/* net: placeholder until the module lands. */
#include "hoptop/net.h"
