/* sim: placeholder until the module lands. */
#include "hoptop/sim.h"
