/* cli: placeholder until the module lands. */
#include "hoptop/cli.h"
