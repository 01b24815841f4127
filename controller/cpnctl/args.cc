#include "controller/cpnctl/args.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cpn::cpnctl {

bool Args::Has(const std::string& name) const {
  return std::any_of(flags.begin(), flags.end(), [&](const auto& f) { return f.first == name; });
}

std::optional<std::string> Args::Get(const std::string& name) const {
  std::optional<std::string> v;
  for (const auto& [n, value] : flags) {
    if (n == name) v = value;
  }
  return v;
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [n, value] : flags) {
    if (n == name) out.push_back(value);
  }
  return out;
}

absl::StatusOr<std::optional<double>> Args::GetDouble(const std::string& name) const {
  std::optional<std::string> v = Get(name);
  if (!v) return std::optional<double>();
  absl::StatusOr<double> d = ParseDouble(*v, "--" + name);
  if (!d.ok()) return d.status();
  return std::optional<double>(*d);
}

absl::StatusOr<std::optional<uint64_t>> Args::GetUint(const std::string& name) const {
  std::optional<std::string> v = Get(name);
  if (!v) return std::optional<uint64_t>();
  absl::StatusOr<uint64_t> d = ParseUint(*v, "--" + name);
  if (!d.ok()) return d.status();
  return std::optional<uint64_t>(*d);
}

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& words,
                               const std::vector<FlagSpec>& spec) {
  Args args;
  bool flags_done = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (flags_done || !absl::StartsWith(w, "--") || w.size() == 2) {
      if (w == "--" && !flags_done) {
        flags_done = true;
        continue;
      }
      args.positional.push_back(w);
      continue;
    }
    std::string name = w.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto it =
        std::find_if(spec.begin(), spec.end(), [&](const FlagSpec& f) { return f.name == name; });
    if (it == spec.end()) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    if (!it->repeated && args.Has(name)) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " given more than once"));
    }
    if (it->takes_value) {
      if (!value) {
        if (i + 1 >= words.size()) {
          return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
        }
        value = words[++i];
      }
    } else if (value) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
    }
    args.flags.emplace_back(name, value.value_or(""));
  }
  return args;
}

absl::StatusOr<double> ParseDouble(const std::string& text, const std::string& what) {
  double v;
  if (!absl::SimpleAtod(text, &v) || !std::isfinite(v)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": \"", text, "\" is not a number"));
  }
  return v;
}

absl::StatusOr<uint64_t> ParseUint(const std::string& text, const std::string& what) {
  uint64_t v;
  if (!absl::SimpleAtoi(text, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": \"", text, "\" is not a non-negative integer"));
  }
  return v;
}

absl::StatusOr<absl::Duration> ParseDurationArg(const std::string& text, const std::string& what) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": \"", text, "\" is not a duration (e.g. 500ms, 5s, 1m)"));
  }
  return d;
}

}  // namespace cpn::cpnctl
