// The error of an input file's line: INVALID_ARGUMENT "<source>:<line>:
// <what>", as every trace and matrix parser of the simulator reports it.
#ifndef CPN_LAB_SIM_LINE_ERROR_H_
#define CPN_LAB_SIM_LINE_ERROR_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace cpn::lab::sim {

inline absl::Status LineError(std::string_view source, size_t line, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrFormat("%s:%d: %s", std::string(source), line, what));
}

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_LINE_ERROR_H_
