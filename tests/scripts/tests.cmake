# The architecture rules (scripts/checks/check_layers.py, docs/architecture.md): includes point down
# the layers, JobSpec stays in jobs/, the step loop stays short, long files say why. The self-test
# plants one violation of each kind in a scratch tree and expects the checker to find it.
add_test(NAME scripts.check_layers COMMAND ${CURVLAB_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/checks/check_layers.py
  --root ${PROJECT_SOURCE_DIR})
add_test(NAME scripts.check_layers.self_test COMMAND ${CURVLAB_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/checks/check_layers.py
  --self-test)
set_tests_properties(scripts.check_layers scripts.check_layers.self_test PROPERTIES LABELS unit TIMEOUT 60)
