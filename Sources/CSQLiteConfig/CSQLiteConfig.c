// The target's functions are static inline in include/CSQLiteConfig.h.
#include "CSQLiteConfig.h"
