// The CPN proto files compiled into this binary: every proto/cpn/**/*.proto
// known when the build was configured, as descriptors of the generated pool.
// Linking the library cpn_proto_contract_compiled links every generated file
// of cpn_proto (whole archive), so that none is dropped by the linker.
//
// Thread-safe (the generated pool is).
#ifndef CPN_PROTO_TOOLS_COMPILED_FILES_H_
#define CPN_PROTO_TOOLS_COMPILED_FILES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

namespace cpn::proto_contract {

// Names of the CPN proto files relative to proto/ (e.g.
// "cpn/common/v1/types.proto"), sorted.
const std::vector<std::string>& CpnProtoFileNames();

// The descriptors of CpnProtoFileNames() from the generated pool, in the same
// order. NOT_FOUND names a file that is not linked into the binary.
absl::StatusOr<std::vector<const google::protobuf::FileDescriptor*>> CompiledCpnFiles();

}  // namespace cpn::proto_contract

#endif  // CPN_PROTO_TOOLS_COMPILED_FILES_H_
