/* engine: placeholder until the module lands. */
#include "hoptop/engine.h"
