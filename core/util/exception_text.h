#pragma once

// The one-line reason an exception from LibTorch, oneDNN or the standard library gives, for an error
// message. c10::Error's what() carries a 30-line C++ backtrace and std::bad_alloc says
// "std::bad_alloc"; users need "out of memory" and the first line of the rest. Any thread.

#include <exception>
#include <string>

namespace mwb {

std::string exceptionReason(const std::exception& e);

} // namespace mwb
