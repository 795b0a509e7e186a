#include "error.h"

namespace mwb {

int exitCodeFor(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::InvalidInput:
        return 2;
    case ErrorKind::Unsafe:
        return 3;
    case ErrorKind::Io:
    case ErrorKind::Network:
    case ErrorKind::Cancelled:
        return 1;
    }
    return 1;
}

} // namespace mwb
