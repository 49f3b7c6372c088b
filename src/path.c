/* path: placeholder until the module lands. */
#include "hoptop/path.h"
