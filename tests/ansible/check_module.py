#!/usr/bin/python3
"""Offline checks of the lvmkit_thinpool module, in the spirit of ansible-test sanity's
validate-modules: its DOCUMENTATION agrees with its argument_spec, ansible-core's own validator
accepts every example and refuses bad input, the CLI options it passes exist in the built
lvmkit-docker, and the README's playbooks are real. Prints one "ok"/"FAIL" line per check.

usage: check_module.py MODULE.py README.md SITE.yml [LVMKIT_DOCKER]
"""
import importlib.util
import json
import os
import re
import subprocess
import sys

import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

passed = 0
failed = 0


def check(name, condition, detail=''):
    global passed, failed
    if condition:
        passed += 1
        print('ok   ' + name)
    else:
        failed += 1
        print('FAIL ' + name + (('\n    ' + str(detail)) if detail else ''))


def load_module(path):
    spec = importlib.util.spec_from_file_location('lvmkit_thinpool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def validator(mod):
    return ArgumentSpecValidator(mod.ARGUMENT_SPEC, mutually_exclusive=mod.MUTUALLY_EXCLUSIVE)


def errors_of(mod, params):
    return validator(mod).validate(dict(params)).error_messages


def check_documentation(mod):
    docs = {}
    for block in ('DOCUMENTATION', 'EXAMPLES', 'RETURN'):
        try:
            docs[block] = yaml.safe_load(getattr(mod, block))
            check(block + ' is YAML', docs[block] is not None)
        except yaml.YAMLError as e:
            check(block + ' is YAML', False, e)
            docs[block] = None
    doc = docs['DOCUMENTATION'] or {}
    check('DOCUMENTATION names the module', doc.get('module') == 'lvmkit_thinpool')
    options = doc.get('options') or {}
    spec = mod.ARGUMENT_SPEC
    check('every argument_spec option is documented', set(spec) <= set(options),
          sorted(set(spec) - set(options)))
    check('every documented option is in argument_spec', set(options) <= set(spec),
          sorted(set(options) - set(spec)))
    mismatches = []
    for name in sorted(set(spec) & set(options)):
        arg, opt = spec[name], options[name]
        for key, fallback in (('type', 'str'), ('default', None), ('choices', None),
                              ('aliases', None), ('elements', None), ('required', False)):
            if arg.get(key, fallback) != opt.get(key, fallback):
                mismatches.append('%s.%s: spec %r, doc %r' %
                                  (name, key, arg.get(key, fallback), opt.get(key, fallback)))
        if not opt.get('description'):
            mismatches.append(name + ': no description')
    check('DOCUMENTATION and argument_spec agree (type, default, choices, aliases, elements)',
          not mismatches, '\n    '.join(mismatches))
    attributes = doc.get('attributes') or {}
    check('DOCUMENTATION declares check mode support',
          attributes.get('check_mode', {}).get('support') == 'full')
    returns = docs['RETURN'] or {}
    check('RETURN documents plan, steps_to_do, steps, status, rc, error',
          {'plan', 'steps_to_do', 'steps', 'status', 'rc', 'error'} <= set(returns))
    return docs


def check_examples(mod, docs):
    tasks = docs['EXAMPLES'] or []
    bad = []
    for task in tasks:
        params = task.get('lvmkit_thinpool')
        errors = errors_of(mod, params) if isinstance(params, dict) else ['no module args']
        if errors:
            bad.append('%s: %s' % (task.get('name'), errors))
    check('ArgumentSpecValidator accepts all %d EXAMPLES tasks' % len(tasks), tasks and not bad,
          bad)


def check_validation(mod):
    check('a minimal task validates', not errors_of(mod, {'devices': ['/dev/sdb']}))
    result = validator(mod).validate({'device': '/dev/sdb', 'chunk_size': '1M'})
    check('aliases device/chunk_size map onto devices/chunk',
          not result.error_messages and result.validated_parameters['devices'] == ['/dev/sdb']
          and result.validated_parameters['chunk'] == '1M')
    check('defaults: state present, monitor on, force off',
          result.validated_parameters['state'] == 'present'
          and result.validated_parameters['monitor'] is True
          and result.validated_parameters['force'] is False)
    refused = {
        'docker_storage outside its choices': {'docker_storage': 'overlay2'},
        'state outside its choices': {'state': 'gone'},
        'kernel_deferred_deletion given YAML yes (a bool)': {'kernel_deferred_deletion': True},
        'autoextend_threshold not a number': {'autoextend_threshold': 'eighty'},
        'containerd_config with no_runtime_config': {
            'containerd_config': '/etc/containerd/config.toml', 'no_runtime_config': True},
        'an unknown option': {'devices': ['/dev/sdb'], 'thinpool_size': '10G'},
    }
    for what, params in sorted(refused.items()):
        check('ArgumentSpecValidator refuses ' + what, errors_of(mod, params))


def params_with(mod, **values):
    params = validator(mod).validate({}).validated_parameters
    params.update(values)
    return params


def check_command_lines(mod):
    everything = params_with(
        mod, devices=['/dev/sdb', '/dev/sdc'], vg='dvg', pool='tp', data_size='50%VG',
        meta_size='1G', chunk='1M', zero=True, autoextend_threshold=70, autoextend_percent=10,
        profile='prof', monitor=False, kernel_deferred_deletion='disable',
        daemon_json='/etc/d.json', docker_storage='snapshotter', cri_default=True,
        docker_version='26.1.5', replace_config=True, root='/mnt/sysimage',
        wipe_signatures=True, existing_vg=True, backup_graph_dir=True, force=True)
    setup = mod.command_args('setup', everything)
    expected = ['--device=/dev/sdb', '--device=/dev/sdc', '--vg=dvg', '--pool=tp', '--data=50%VG',
                '--meta=1G', '--chunk=1M', '--zero', '--autoextend-threshold=70',
                '--autoextend-percent=10', '--profile=prof', '--no-monitor',
                '--kernel-deferred-deletion=no', '--daemon-json=/etc/d.json',
                '--docker-storage=snapshotter', '--cri-default', '--docker-version=26.1.5',
                '--replace-config', '--root=/mnt/sysimage', '--wipe-signatures', '--existing-vg',
                '--backup-graph-dir', '--yes']
    check('setup gets every parameter as its CLI option',
          setup[0] == 'setup' and setup[-1] == '--json' and sorted(setup[1:-1]) == sorted(expected),
          sorted(set(expected) ^ set(setup[1:-1])))
    plan = mod.command_args('plan', everything)
    check('plan gets the same options without --yes',
          sorted(plan[1:]) == sorted([a for a in setup[1:] if a != '--yes']), plan)
    teardown = mod.command_args('teardown', everything)
    check('teardown with force: --force, devices, the profile\'s values, the runtime mode',
          '--force' in teardown and '--yes' in teardown and '--device=/dev/sdb' in teardown
          and '--autoextend-threshold=70' in teardown and '--profile=prof' in teardown
          and '--docker-storage=snapshotter' in teardown and '--cri-default' in teardown
          and not [a for a in teardown if a.startswith('--wipe')], teardown)
    grow = mod.command_args('grow', everything)
    check('grow gets setup\'s options (its device list grew)',
          grow[0] == 'grow' and sorted(grow[1:]) == sorted(setup[1:]), grow)
    plain = params_with(mod, devices=['/dev/sdb'], state='absent')
    check('teardown never gets --force unless force is true',
          '--force' not in mod.command_args('teardown', plain))
    check('unset parameters pass nothing: lvmkit-docker keeps its defaults',
          mod.command_args('setup', plain) == ['setup', '--device=/dev/sdb', '--yes', '--json'])
    check('zero false passes --no-zero, containerd_config its option',
          {'--no-zero', '--containerd-config=/etc/containerd/config.toml'} <=
          set(mod.command_args('setup', params_with(
              mod, devices=['/dev/sdb'], zero=False,
              containerd_config='/etc/containerd/config.toml'))))
    check('a value starting with "-" stays a value (--opt=value)',
          '--vg=-x' in mod.command_args('plan', params_with(mod, vg='-x')))


def cli_help_options(binary, command):
    out = subprocess.run([binary, command, '--help'], capture_output=True, text=True,
                         timeout=60).stdout
    return set(re.findall(r'(--[a-z][a-z-]*)', out))


def check_against_cli(mod, binary):
    everything = params_with(
        mod, devices=['/dev/sdb'], vg='v', pool='p', data_size='1G', meta_size='8M', chunk='1M',
        zero=True, autoextend_threshold=70, autoextend_percent=10, profile='x', monitor=False,
        kernel_deferred_deletion='auto', daemon_json='/d', docker_storage='snapshotter',
        cri_default=True, docker_version='24.0', replace_config=True, root='/r',
        wipe_signatures=True, existing_vg=True, backup_graph_dir=True, force=True,
        no_runtime_config=True)
    for command in ('plan', 'setup', 'teardown', 'config', 'grow'):
        known = cli_help_options(binary, command)
        used = {arg.split('=')[0] for arg in mod.command_args(command, everything)[1:]}
        missing = used - known
        check('lvmkit-docker %s --help knows every option the module passes' % command,
              not missing, sorted(missing))


def code_blocks(text, language):
    return re.findall(r'```' + language + r'\n(.*?)```', text, re.S)


def check_readme(mod, readme_path, site_path):
    readme = open(readme_path).read()
    site = open(site_path).read()
    check('README shows site.yml verbatim', any(b == site for b in code_blocks(readme, 'yaml')))
    plays = yaml.safe_load(site)
    tasks = plays[0]['tasks']
    check('site.yml has three tasks: install, thin pool, restart on change',
          len(tasks) == 3 and 'ansible.builtin.apt' in tasks[0]
          and 'lvmkit_thinpool' in tasks[1] and tasks[2].get('when') == 'thinpool is changed')
    check('site.yml thin pool task validates',
          not errors_of(mod, {k: ('/dev/x' if '{{' in str(v) else v)
                              for k, v in tasks[1]['lvmkit_thinpool'].items()}))
    configs = [b for b in code_blocks(readme, 'yaml') if b.startswith('#cloud-config')]
    check('README has a #cloud-config example', len(configs) == 1)
    if configs:
        cloud = yaml.safe_load(configs[0])
        runcmd = cloud.get('runcmd') or []
        check('cloud-config runcmd runs ansible-playbook with the installed module path',
              any('ansible-playbook' in str(c) and '/usr/share/lvmkit/ansible/library' in str(c)
                  for c in runcmd), runcmd)
        files = [f for f in cloud.get('write_files', []) if f['path'].endswith('.yml')]
        playbook = yaml.safe_load(files[0]['content']) if files else []
        pool_tasks = [t['lvmkit_thinpool'] for p in playbook for t in p.get('tasks', [])
                      if 'lvmkit_thinpool' in t]
        check('cloud-config playbook has a valid lvmkit_thinpool task',
              pool_tasks and not [errors_of(mod, t) for t in pool_tasks if errors_of(mod, t)])


def check_ansible_doc(mod, module_path):
    library = module_path.rsplit('/', 1)[0]
    proc = subprocess.run(['ansible-doc', '-M', library, '--json', 'lvmkit_thinpool'],
                          capture_output=True, text=True, timeout=300)
    try:
        doc = json.loads(proc.stdout)['lvmkit_thinpool']
    except (ValueError, KeyError) as e:
        check('ansible-doc --json reads the module', False, '%s %s' % (e, proc.stderr))
        return
    check('ansible-doc --json shows every option, the examples and the return values',
          set(doc['doc']['options']) == set(mod.ARGUMENT_SPEC) and doc.get('examples')
          and set(doc.get('return') or {}) >= {'plan', 'rc'})


def main():
    module_path, readme_path, site_path = sys.argv[1:4]
    binary = sys.argv[4] if len(sys.argv) > 4 else None
    mod = load_module(module_path)
    docs = check_documentation(mod)
    check_examples(mod, docs)
    check_validation(mod)
    check_command_lines(mod)
    check_ansible_doc(mod, module_path)
    check_readme(mod, readme_path, site_path)
    if binary and os.access(binary, os.X_OK):
        check_against_cli(mod, binary)
    else:
        check('lvmkit-docker is built (for the CLI option check): %s' % binary, False)
    print('checks: %d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
