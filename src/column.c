/* column: placeholder until the module lands. */
#include "hoptop/column.h"
