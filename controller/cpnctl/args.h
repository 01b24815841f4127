// Command-line parsing for cpnctl: positional words and --flags, checked
// against the flags a command accepts.
//
// Pure; safe from any thread.
#ifndef CPN_CONTROLLER_CPNCTL_ARGS_H_
#define CPN_CONTROLLER_CPNCTL_ARGS_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace cpn::cpnctl {

struct FlagSpec {
  // Without the dashes, e.g. "overlay".
  std::string name;
  // Takes a value (--name VALUE or --name=VALUE); otherwise a switch.
  bool takes_value = true;
  // May be given more than once.
  bool repeated = false;
};

class Args {
 public:
  std::vector<std::string> positional;

  bool Has(const std::string& name) const;
  // The value of a flag (the last one when repeated).
  std::optional<std::string> Get(const std::string& name) const;
  std::vector<std::string> GetAll(const std::string& name) const;

  // Typed values; INVALID_ARGUMENT naming the flag when malformed.
  absl::StatusOr<std::optional<double>> GetDouble(const std::string& name) const;
  absl::StatusOr<std::optional<uint64_t>> GetUint(const std::string& name) const;

  std::vector<std::pair<std::string, std::string>> flags;
};

// Splits `words` into positional words and flags. INVALID_ARGUMENT for an
// unknown flag, a missing value, a value given to a switch, or a flag
// repeated that may not be. "--" ends flags.
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& words,
                               const std::vector<FlagSpec>& spec);

// Numbers with a field name for messages.
absl::StatusOr<double> ParseDouble(const std::string& text, const std::string& what);
absl::StatusOr<uint64_t> ParseUint(const std::string& text, const std::string& what);
// A duration such as "100ms", "5s", "1m".
absl::StatusOr<absl::Duration> ParseDurationArg(const std::string& text, const std::string& what);

}  // namespace cpn::cpnctl

#endif  // CPN_CONTROLLER_CPNCTL_ARGS_H_
