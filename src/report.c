/* report: placeholder until the module lands. */
#include "hoptop/report.h"
