// Per-ingress request volume from a traffic matrix: the SNDlib dynamic
// matrices as wide CSV (../shared/data/traffic_matrices/sndlib_dynamic:
// '#' comment lines, then "time,SRC->DST,..." and one row per matrix), each
// source node's mean total over the rows, mapped to routers by a node map
// ("CODE router-id" per line; a router may take several codes).
//
// Pure (text in); errors name the source and line. Any thread.
#ifndef CPN_LAB_SIM_TRAFFIC_MATRIX_H_
#define CPN_LAB_SIM_TRAFFIC_MATRIX_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cpn::lab::sim {

// Node -> mean over the matrices of the traffic it sends (the matrix's
// unit). Self-pairs (SRC->SRC) are left out.
absl::StatusOr<std::map<std::string, double>> ParseTrafficMatrixSources(std::string_view text,
                                                                        std::string_view source);

// "CODE router-id" lines ('#' comments, blank lines allowed) -> code ->
// router id. A code given twice is an error.
absl::StatusOr<std::map<std::string, std::string>> ParseNodeMap(std::string_view text,
                                                                std::string_view source);

// Router id -> volume: each node's volume added to the router the map
// names (nodes the map lacks are named by their own code). NOT_FOUND when
// no node lands on a router of `router_ids`; `unmatched` (optional) gets
// the nodes that did not.
absl::StatusOr<std::map<std::string, double>> IngressVolumes(
    const std::map<std::string, double>& node_volume,
    const std::map<std::string, std::string>& node_map, const std::vector<std::string>& router_ids,
    std::vector<std::string>* unmatched = nullptr);

}  // namespace cpn::lab::sim

#endif  // CPN_LAB_SIM_TRAFFIC_MATRIX_H_
