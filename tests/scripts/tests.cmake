# The architecture rules (scripts/checks/check_layers.py, docs/architecture.md): includes point down
# the layers, JobSpec stays in jobs/, the step loop stays short, long files say why. The self-test
# plants one violation of each kind in a scratch tree and expects the checker to find it.
add_test(NAME scripts.check_layers COMMAND ${CURVLAB_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/checks/check_layers.py
  --root ${PROJECT_SOURCE_DIR})
add_test(NAME scripts.check_layers.self_test COMMAND ${CURVLAB_PYTHON} ${PROJECT_SOURCE_DIR}/scripts/checks/check_layers.py
  --self-test)
set_tests_properties(scripts.check_layers scripts.check_layers.self_test PROPERTIES LABELS unit TIMEOUT 60)

# README's two commands: the first builds only the `curvlab` executable, the second every target.
add_test(NAME scripts.readme_commands COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/scripts/readme_commands_test.sh
  ${PROJECT_SOURCE_DIR})
set_tests_properties(scripts.readme_commands PROPERTIES LABELS unit TIMEOUT 60)
