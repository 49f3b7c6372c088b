/* loop: placeholder until the module lands. */
#include "hoptop/loop.h"
