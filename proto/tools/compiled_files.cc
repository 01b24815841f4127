#include "proto/tools/compiled_files.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace cpn::proto_contract {

const std::vector<std::string>& CpnProtoFileNames() {
  static const auto* const names = [] {
    auto* v = new std::vector<std::string>{
#include "cpn_proto_file_list.inc"
    };
    std::sort(v->begin(), v->end());
    return v;
  }();
  return *names;
}

absl::StatusOr<std::vector<const google::protobuf::FileDescriptor*>> CompiledCpnFiles() {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  std::vector<const google::protobuf::FileDescriptor*> files;
  for (const std::string& name : CpnProtoFileNames()) {
    const auto* file = pool->FindFileByName(name);
    if (file == nullptr) {
      return absl::NotFoundError(absl::StrCat(
          name, ": not in the generated descriptor pool; is cpn_proto linked as a whole archive?"));
    }
    files.push_back(file);
  }
  return files;
}

}  // namespace cpn::proto_contract
