/* packet: placeholder until the module lands. */
#include "hoptop/packet.h"
