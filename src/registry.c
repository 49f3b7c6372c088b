/* registry: placeholder until the module lands. */
#include "hoptop/registry.h"
