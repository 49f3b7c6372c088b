/* dns: placeholder until the module lands. */
#include "hoptop/dns.h"
