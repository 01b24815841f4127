// PositionedParseErrors: collects every complaint of the protobuf text
// parser as "<source>:<line>:<column>: <what>" (protobuf counts lines and
// columns from 0; people count from 1). Used by every text-format file
// reader (topology files, scenario files). One instance per parse; not
// thread-safe.
#ifndef CPN_COMMON_PARSE_ERRORS_H_
#define CPN_COMMON_PARSE_ERRORS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"

namespace cpn {

class PositionedParseErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit PositionedParseErrors(std::string_view source) : source_(source) {}

  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, absl::StrCat("warning: ", message));
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

}  // namespace cpn

#endif  // CPN_COMMON_PARSE_ERRORS_H_
