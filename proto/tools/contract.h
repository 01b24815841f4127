// The API contract guard: renders the public shape of the CPN protos (every
// message field, enum value and RPC) as one text line each, and checks that a
// committed snapshot of those lines still holds for the current protos.
//
// Line grammar (one element per line; '#' starts a comment line):
//   message <message>
//   <message>.<field> = <number> : <type> <label>[ oneof <oneof>]
//   reserved <message or enum> <number>[ to <number>]      (inclusive)
//   reserved <message or enum> "<name>"
//   enum <enum>
//   enum <enum>.<VALUE> = <number>
//   service <service>
//   rpc <service>.<Method>([stream ]<request>) returns ([stream ]<response>)
// Names are fully qualified. <type> is a scalar type name ("uint64"), a fully
// qualified message or enum name, or "map<K, V>". <label> is "optional"
// (proto3 singular), "proto3_optional" (explicit presence), "repeated" or
// "required".
//
// Compatibility rule: every snapshot line must appear unchanged in the current
// rendering. Added lines are allowed. A field or enum value line may be
// missing only when the current message or enum reserves both its number and
// its name.
//
// Everything here is pure (no I/O) and thread-compatible.
#ifndef CPN_PROTO_TOOLS_CONTRACT_H_
#define CPN_PROTO_TOOLS_CONTRACT_H_

#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/descriptor.h"

namespace cpn::proto_contract {

// Renders the contract lines of `files`, in a stable order: files sorted by
// name; within a file, enums, then messages (each followed by its nested
// enums and messages), then services. Each file's lines are preceded by a
// "# file <name>" comment line. Map entry messages are rendered as map types,
// not as messages.
std::vector<std::string> RenderContract(
    const std::vector<const google::protobuf::FileDescriptor*>& files);

// The text of a contract file: an explanatory header, then `lines`, one per
// line, ending with a newline.
std::string FormatContractFile(const std::vector<std::string>& lines);

// The contract lines of a contract file's text: every line that is neither
// blank nor a '#' comment, with trailing whitespace removed.
std::vector<std::string> ParseContractFile(std::string_view text);

// One snapshot line the current rendering breaks.
struct Violation {
  // The snapshot line that no longer holds.
  std::string snapshot_line;
  // The current line for the same element (same field, value or RPC name)
  // when the element changed; empty when it was removed.
  std::string current_line;
  // Why, for people.
  std::string explanation;
};

// The snapshot lines that `current` breaks, in snapshot order. Comment lines
// in either list are ignored.
std::vector<Violation> FindViolations(const std::vector<std::string>& snapshot,
                                      const std::vector<std::string>& current);

// Lines in `current` that are not in `snapshot` (additions not yet protected
// by the snapshot), in current order; comment lines excluded.
std::vector<std::string> FindAdditions(const std::vector<std::string>& snapshot,
                                       const std::vector<std::string>& current);

// A readable report of `violations`, one block per violation, with how to fix
// it; empty when there are none.
std::string FormatViolations(const std::vector<Violation>& violations);

}  // namespace cpn::proto_contract

#endif  // CPN_PROTO_TOOLS_CONTRACT_H_
