// Error propagation helpers for absl::Status / absl::StatusOr, in the style of
// Stratum's status_macros.h. Usable from any thread; no allocation unless an
// error is returned.
#ifndef CPN_COMMON_STATUS_MACROS_H_
#define CPN_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CPN_STATUS_CONCAT_INNER_(a, b) a##b
#define CPN_STATUS_CONCAT_(a, b) CPN_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                              \
  do {                                                     \
    const ::absl::Status cpn_status_ = (expr);             \
    if (!cpn_status_.ok()) return cpn_status_;             \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, Foo());` assigns the value of an
// absl::StatusOr<T> or returns its error from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  CPN_ASSIGN_OR_RETURN_IMPL_(CPN_STATUS_CONCAT_(cpn_statusor_, __LINE__), lhs, expr)

#define CPN_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // CPN_COMMON_STATUS_MACROS_H_
