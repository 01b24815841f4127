// DPDK EAL for test binaries. Linking cpn_test_eal registers a GoogleTest
// environment that starts EAL once, before any test, with no hugepages, no
// PCI and a file prefix unique to the process, so test binaries run in
// parallel and unprivileged. If EAL cannot start, the binary exits non-zero
// (a failing environment would otherwise make ctest count tests as skipped).
//
// Extra EAL arguments (for example --vdev=net_ring0) can be requested by
// defining, in exactly one file of the test binary, the function
//   extern "C" const char* const* CpnTestExtraEalArgs() {
//     static const char* const args[] = {"--vdev=...", nullptr};
//     return args;
//   }
// It is declared weak here; binaries that do not define it get none.
#ifndef CPN_TESTS_DATAPLANE_EAL_ENVIRONMENT_H_
#define CPN_TESTS_DATAPLANE_EAL_ENVIRONMENT_H_

struct rte_mempool;

extern "C" __attribute__((weak)) const char* const* CpnTestExtraEalArgs();

namespace cpn::testing {

// A packet mempool shared by the tests of this binary (8191 mbufs with the
// default data room). Valid after EAL started, i.e. inside any TEST.
rte_mempool* TestPktPool();

}  // namespace cpn::testing

#endif  // CPN_TESTS_DATAPLANE_EAL_ENVIRONMENT_H_
