/* transport: the engine's view of a network. */
#include <stddef.h>

#include "hoptop/transport.h"

void
transport_free(struct transport *t)
{
	if (t != NULL)
		t->ops->free(t);
}
