#!/usr/bin/env python3
# Checks curvlab's architecture rules on the source tree (docs/architecture.md); run by ctest (layers.check).
# Rules: (1) every #include of a curvlab header points down or sideways in the layer order
# base < comm < algorithms < engine < cluster < jobs; (2) JobSpec and jobs/ headers appear only in
# jobs/; (3) the training loop file engine/trainer.cpp stays under 250 lines; (4) a source, test,
# bench or script file over 450 lines states why in its opening line ("long:" in the first line);
# (5) every .cpp of the library has its mirrored test: tests/<same path>_test.cpp, _test.py or
# _mpitest.cpp (the binary's main.cpp is tested through the CLI: tests/jobs/main_test.py).
# Prints every violation with file:line and exits 1 when there is one.
import argparse
import os
import re
import sys

LAYERS = ['base', 'comm', 'algorithms', 'engine', 'cluster', 'jobs']
CODE = ('.h', '.cpp', '.py', '.sh', '.cmake')
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
LOOP_FILE, LOOP_MAX = 'engine/trainer.cpp', 250
LONG_FILE = 450


def layer_of(path):
    top = path.split('/', 1)[0]
    return LAYERS.index(top) if top in LAYERS else None


def check(root):
    problems = []
    for top in LAYERS + ['tests', 'bench', 'scripts']:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, root).replace(os.sep, '/')
                if not name.endswith(CODE):
                    continue
                with open(full, encoding='utf-8', errors='replace') as f:
                    lines = f.read().split('\n')
                if lines and lines[-1] == '':
                    lines.pop()
                mine = layer_of(rel)
                for i, line in enumerate(lines, 1):
                    m = INCLUDE.match(line)
                    if mine is not None and m:
                        target = layer_of(m.group(1))
                        if target is not None and target > mine:
                            problems.append(f'{rel}:{i}: includes {m.group(1)}: {LAYERS[mine]}/ is below '
                                            f'{LAYERS[target]}/ (layers: {" < ".join(LAYERS)})')
                    if mine is not None and LAYERS[mine] != 'jobs' and re.search(r'\bJobSpec\b', line):
                        problems.append(f'{rel}:{i}: JobSpec outside jobs/ (take the component\'s options struct)')
                if rel == LOOP_FILE and len(lines) >= LOOP_MAX:
                    problems.append(f'{rel}: {len(lines)} lines; the step loop must stay under {LOOP_MAX} '
                                    '(move the new behaviour into a step hook, engine/hooks/)')
                opening = lines[1] if lines and lines[0].startswith('#!') and len(lines) > 1 else (lines[0] if lines else '')
                if len(lines) > LONG_FILE and 'long:' not in opening:
                    problems.append(f'{rel}: {len(lines)} lines and no reason in its opening line (write '
                                    '"long: <why>" there, or split the file)')
    for top in LAYERS:
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if not name.endswith('.cpp'):
                    continue
                rel = os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, '/')
                stem = os.path.join(root, 'tests', rel[:-len('.cpp')])
                mirrors = [stem + '_test.cpp', stem + '_test.py', stem + '_mpitest.cpp']
                if not any(os.path.exists(m) for m in mirrors):
                    problems.append(f'{rel}: no mirrored test (tests/{rel[:-4]}_test.cpp, _test.py or _mpitest.cpp)')
    return problems


def self_test():
    """The checker must find each kind of violation in a tree that has one of each."""
    import tempfile
    with tempfile.TemporaryDirectory() as root:
        def write(rel, text):
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), 'w') as f:
                f.write(text)
        write('comm/a.cpp', '// a\n#include "engine/trainer.h"\n#include "base/error.h"\n')
        write('algorithms/b.h', '// b\nvoid f(const JobSpec& s);\n')
        write('engine/trainer.cpp', '// loop\n' + 'x;\n' * LOOP_MAX)
        write('tests/c_test.cpp', '// c\n' + 'y;\n' * (LONG_FILE + 1))
        write('jobs/ok.cpp', '// ok\n#include "engine/trainer.h"\nJobSpec s;\n')
        write('tests/jobs/ok_test.cpp', '// ok test\n')
        for rel in ('comm/a.cpp', 'engine/trainer.cpp'):
            write('tests/' + rel[:-4] + '_test.cpp', '// mirror\n')
        write('base/untested.cpp', '// no test\n')
        found = check(root)
    expect = ['comm/a.cpp:2: includes engine/trainer.h', 'algorithms/b.h:2: JobSpec outside jobs/',
              'engine/trainer.cpp: ', 'tests/c_test.cpp: ', 'base/untested.cpp: no mirrored test']
    missing = [e for e in expect if not any(p.startswith(e) for p in found)]
    extra = [p for p in found if not any(p.startswith(e) for e in expect)]
    for m in missing:
        print(f'self-test: the checker missed: {m}')
    for x in extra:
        print(f'self-test: the checker reported what is allowed: {x}')
    print(f'layers self-test: {"ok" if not missing and not extra else "FAILED"} ({len(found)} planted violations found)')
    return 1 if missing or extra else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--root', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
    ap.add_argument('--self-test', action='store_true', help='check the checker on a planted tree')
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    problems = check(os.path.abspath(args.root))
    for p in problems:
        print(p)
    print(f'layers: {len(problems)} violation(s)')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
