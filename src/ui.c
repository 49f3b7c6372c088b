/* ui: placeholder until the module lands. */
#include "hoptop/ui.h"
