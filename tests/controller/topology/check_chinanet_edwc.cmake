# Regenerates lab/topologies/chinanet-edwc.txtpb into OUT with the command
# documented in docs/topologies.md and fails when the committed file
# differs. Run from the project root (ctest does).
# The generated file names the site list as ../shared/data/... (relative to
# the project root, where the shared data normally lives), so that path is
# the one used here, whatever CPN_SHARED_DATA_DIR says.
set(csv "${SOURCE_DIR}/../shared/data/sites_china/eastdata_westcompute_hubs_clusters.csv")
if(NOT EXISTS "${csv}")
  message("SKIPPED: ${csv} is absent")
  return()
endif()
execute_process(
  COMMAND "${TOOL}"
    --graphml lab/topologies/Chinanet.graphml
    --overlay lab/topologies/chinanet.overlay.txtpb
    --sites-csv ../shared/data/sites_china/eastdata_westcompute_hubs_clusters.csv
    --default-service
    -o "${OUT}"
  WORKING_DIRECTORY "${SOURCE_DIR}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cpn-topology-import failed (${rc})")
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E compare_files "${OUT}"
    "${SOURCE_DIR}/lab/topologies/chinanet-edwc.txtpb"
  RESULT_VARIABLE differ)
if(differ)
  message(FATAL_ERROR "lab/topologies/chinanet-edwc.txtpb is stale; regenerate it as "
                      "docs/topologies.md says (new output: ${OUT})")
endif()
