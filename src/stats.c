/* stats: placeholder until the module lands. */
#include "hoptop/stats.h"
