// Test helper: runs `promtool check metrics` (Debian package prometheus) on
// an exposition text. Tests fail, not skip, when promtool is missing: it is
// installed by scripts/setup.sh.
#ifndef CPN_TESTS_COMMON_TELEMETRY_PROMTOOL_H_
#define CPN_TESTS_COMMON_TELEMETRY_PROMTOOL_H_

#include <string>

namespace cpn::telemetry::testing {

// True when promtool accepts `text`; otherwise false with promtool's
// complaint (or why it could not run) in *output.
bool PromtoolAccepts(const std::string& text, std::string* output);

}  // namespace cpn::telemetry::testing

#endif  // CPN_TESTS_COMMON_TELEMETRY_PROMTOOL_H_
