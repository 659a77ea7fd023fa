#!/usr/bin/python
# -*- coding: utf-8 -*-
# lvmkit_thinpool: an LVM thin pool for Docker or containerd, through lvmkit-docker's JSON
# interface (plan/setup/teardown/config --json and their exit codes). Part of lvmkit's examples;
# installed with the package under /usr/share/lvmkit/ansible/library/.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: lvmkit_thinpool
short_description: An LVM thin pool for Docker or containerd, set up by lvmkit-docker
version_added: "0.1.0"
description:
  - Turns block devices into a monitored LVM thin pool and points the container runtime's
    config (Docker's C(daemon.json) or containerd's C(config.toml)) at it, by running
    C(lvmkit-docker) with C(--json) and mapping its JSON document and exit code.
  - With I(state=present) it runs C(lvmkit-docker setup --yes --json). A re-run on a finished
    setup changes nothing and reports C(changed=false).
  - When the pool exists and I(devices) lists devices its VG does not have yet, setup adds them
    to the VG (through its probe), then C(lvmkit-docker grow --yes --json) grows the pool's data
    and metadata to what the layout gives the larger VG (C(grow --dry-run --json) in check mode;
    C(steps_to_do) then names the grow's steps). Runs of an unchanged list call no C(grow).
  - In check mode only C(lvmkit-docker plan --json) runs (it reads the machine and writes
    nothing); C(changed) says whether the plan still has steps to do, and C(steps_to_do) names
    them.
  - With C(--diff), the config files lvmkit would write (C(daemon.json), containerd's
    C(config.toml), the LVM profile) are shown before and after, from
    C(lvmkit-docker config --json) and the files' current contents.
  - With I(state=absent) it runs C(lvmkit-docker teardown --yes --json), with C(--force) only
    when I(force=true). It first runs C(plan --json) to see whether anything of the pool is left,
    so a second run reports C(changed=false).
  - A failure puts lvmkit's error (operation, object, message, LVM's own lines, hint) in C(msg)
    and C(lvmkit-docker)'s exit code in C(rc). Exit 3 is a refusal before any change (a device
    with a filesystem, a pool that differs, a malformed config file...); the task fails and
    nothing was touched.
requirements:
  - C(lvmkit-docker) on the managed host (the C(lvmkit) package)
  - root on the managed host (C(become=true))
author:
  - lvmkit maintainers
options:
  state:
    description:
      - C(present) sets the pool up (C(lvmkit-docker setup)); C(absent) removes it
        (C(lvmkit-docker teardown)), that is the pool, the VG (unless I(existing_vg)), the PV labels, the
        LVM profile and lvmkit's entries in the runtime config (your other settings stay).
    type: str
    choices: [present, absent]
    default: present
  devices:
    description:
      - Block devices for the VG (C(--device), once each). Required unless I(existing_vg=true).
    type: list
    elements: path
    aliases: [device]
  vg:
    description:
      - Volume group name (C(--vg)). lvmkit-docker's default is C(docker).
    type: str
  pool:
    description:
      - Thin pool LV name (C(--pool)). lvmkit-docker's default is C(thinpool).
    type: str
  data_size:
    description:
      - Data LV size (C(--data)), C(N%VG), C(N%FREE), C(N%PVS) or a size with a unit such as
        C(20G). lvmkit-docker's default is C(95%VG). A bare number is refused.
    type: str
    aliases: [data]
  meta_size:
    description:
      - Metadata LV size (C(--meta)), C(N%VG) or a size with a unit. lvmkit-docker's default is
        C(1%VG).
    type: str
    aliases: [meta]
  chunk:
    description:
      - Pool chunk size (C(--chunk)), 64K to 1G, a multiple of 64K. lvmkit-docker's default is
        C(512K).
    type: str
    aliases: [chunk_size]
  zero:
    description:
      - Zero new blocks (C(--zero)) or not (C(--no-zero)). Unset leaves lvmkit-docker's default,
        no zeroing.
    type: bool
  autoextend_threshold:
    description:
      - Autoextend the pool when it is this full, in percent (C(--autoextend-threshold)), 50 to
        100; 100 turns autoextend off. lvmkit-docker's default is 80.
    type: int
  autoextend_percent:
    description:
      - Grow the pool by this percent each time (C(--autoextend-percent)). lvmkit-docker's
        default is 20.
    type: int
  profile:
    description:
      - LVM metadata profile name (C(--profile)). lvmkit-docker's default is C(docker-thinpool).
    type: str
  monitor:
    description:
      - Register the pool with dmeventd. C(false) passes C(--no-monitor) (autoextend then never
        happens).
    type: bool
    default: true
  kernel_deferred_deletion:
    description:
      - Whether Docker's C(dm.use_deferred_deletion) is written (C(--kernel-deferred-deletion)), one of
        C(enable), C(disable), or C(auto) (kernel 3.18 or later). Unset leaves lvmkit-docker's
        default, C(auto).
    type: str
    choices: [auto, enable, disable]
  daemon_json:
    description:
      - Docker's config file, inside I(root) (C(--daemon-json)). lvmkit merges its keys into it
        and keeps yours. lvmkit-docker's default is C(/etc/docker/daemon.json).
    type: str
  containerd_config:
    description:
      - Configure containerd's devmapper snapshotter in this C(config.toml), inside I(root),
        instead of Docker (C(--containerd-config)).
    type: str
  no_runtime_config:
    description:
      - Write no runtime config, only the pool and its profile (C(--no-docker-config)).
    type: bool
    default: false
  docker_storage:
    description:
      - How Docker uses the pool (C(--docker-storage)). C(snapshotter) is Docker 25 and later
        through containerd's devmapper snapshotter (C(daemon.json) and containerd's
        C(config.toml)); C(devicemapper) is the graph driver of Docker 24 and older.
      - Unset lets lvmkit-docker decide (from I(docker_version), or the installed dockerd).
      - Passed to C(teardown) too, so it takes back the entries of the same mode.
    type: str
    choices: [snapshotter, devicemapper]
  cri_default:
    description:
      - Make devmapper the default snapshotter of containerd's CRI plugin, for Kubernetes nodes
        (C(--cri-default)); needs containerd's C(config.toml) (I(containerd_config) or
        I(docker_storage=snapshotter)).
    type: bool
    default: false
  docker_version:
    description:
      - The Docker version that will use the pool (C(--docker-version)), for the runtime mode
        and the devicemapper deprecation warning.
    type: str
  replace_config:
    description:
      - Take over a daemon config that names another storage driver or pool
        (C(--replace-config)). Without it such a file is a refusal (exit 3).
    type: bool
    default: false
  root:
    description:
      - Config files are read and written below this directory (C(--root)), e.g. an installer's
        C(/mnt/sysimage). lvmkit-docker's default is C(/).
    type: path
  wipe_signatures:
    description:
      - Allow lvmkit to erase filesystem and partition-table signatures on I(devices)
        (C(--wipe-signatures)). Without it a device that holds any is a refusal (exit 3) and
        stays untouched.
    type: bool
    default: false
  existing_vg:
    description:
      - Take the pool's space from the existing VG I(vg) (C(--existing-vg)); I(state=absent) then
        leaves the VG in place.
    type: bool
    default: false
  backup_graph_dir:
    description:
      - Move C(/var/lib/docker/*) to C(/var/lib/docker.backup/) (C(--backup-graph-dir)); Docker
        must be stopped. This step is never "done", so every run with it reports C(changed).
    type: bool
    default: false
  force:
    description:
      - With I(state=absent), remove the pool even while it has thin volumes (C(teardown
        --force)); their data is lost. Without it such a pool is a refusal (exit 3).
    type: bool
    default: false
  executable:
    description:
      - Path of the C(lvmkit-docker) binary. Unset looks it up in C(PATH).
    type: path
notes:
  - The managed host needs root and device-mapper with dm-thin-pool; lvmkit refuses (exit 3)
    otherwise.
  - Exit codes of lvmkit-docker, returned as C(rc) on failure; C(1) failed, what this run
    created was removed again; C(2) bad parameters, nothing read or touched; C(3) refused
    before any change; C(4) failed and could not undo everything (C(msg) lists what is left).
  - The pool's thin volumes are the runtime's business; restart the runtime when this task
    reports C(changed) (see the examples).
  - The CLI's reference (options, JSON documents, exit codes) is lvmkit's
    C(examples/lvmkit-docker/README.md); this module's guide is C(README.md) beside its
    C(library/) directory (C(/usr/share/lvmkit/ansible/) when installed with the package).
attributes:
  check_mode:
    support: full
    description: Runs C(lvmkit-docker plan) only.
  diff_mode:
    support: partial
    description: Shows the config files for I(state=present); I(state=absent) shows none.
  platform:
    platforms: posix
'''

EXAMPLES = r'''
- name: Thin pool for Docker on /dev/sdb
  lvmkit_thinpool:
    devices: [/dev/sdb]
  register: pool

- name: Docker 25 and later, through containerd's devmapper snapshotter
  lvmkit_thinpool:
    devices: [/dev/sdb, /dev/sdc]
    docker_storage: snapshotter
    chunk: 256K
    autoextend_threshold: 90
    autoextend_percent: 10

- name: containerd on a Kubernetes node, erasing an old filesystem on the disk
  lvmkit_thinpool:
    devices: [/dev/nvme1n1]
    vg: containerd
    containerd_config: /etc/containerd/config.toml
    cri_default: true
    wipe_signatures: true

- name: Into an installer's target root
  lvmkit_thinpool:
    devices: [/dev/vdb]
    root: /mnt/sysimage

- name: Remove the pool, even with thin volumes in it
  lvmkit_thinpool:
    devices: [/dev/sdb]
    state: absent
    force: true
'''

RETURN = r'''
plan:
  description: The plan lvmkit-docker made (C(plan --json); for I(state=present) outside check
    mode, the plan C(setup) ran).
  returned: when a plan was made
  type: dict
  sample:
    steps:
      - {step: probe, description: "Check /dev/sdb: no data to lose, not in use", done: false}
      - {step: create_pv, description: "Create PV label on /dev/sdb", done: false}
    sizes: {extent_size: 4194304, data_extents: 972}
    headroom: {autoextend_enabled: true, data_steps_possible: 0}
    decisions: ["dm.use_deferred_deletion on: kernel 6.1.0-57-amd64 is 3.18 or later"]
    warnings: []
    nothing_to_do: false
steps_to_do:
  description: Names of the plan's steps that are not done yet (the probe left out); empty when
    nothing is to do. For I(state=absent), what of the pool is still there.
  returned: when a plan was made
  type: list
  elements: str
  sample: [create_pv, create_vg, create_data_lv]
grow:
  description: What C(grow) did when the device list grew (C(grow --json)), with C(plan) (its
    C(grow) object has the sizes in bytes before and after) and C(steps); in check mode the
    grow's plan.
  returned: when the pool existed and its device list grew
  type: dict
  sample: {plan: {grow: {data_before: 255852544, data_after: 511705088}}}
steps:
  description: What C(setup) or C(teardown) did, one entry a step (C(index), C(step),
    C(description), C(outcome) finished/skipped/failed, C(duration_ms)).
  returned: when setup or teardown ran
  type: list
  elements: dict
  sample: [{index: 2, step: create_pv, description: "Create PV label on /dev/sdb",
            outcome: finished, duration_ms: 250}]
status:
  description: The pool's state after C(setup) (C(status --json)), with C(exists), C(dm_name),
    C(mode), C(data), C(metadata), C(monitored), C(profile), C(autoextend), C(vg_free_bytes),
    C(config_agrees), C(config).
  returned: when setup succeeded
  type: dict
  sample: {exists: true, dm_name: docker-thinpool, mode: rw, monitored: true,
           config_agrees: true}
rc:
  description: lvmkit-docker's exit code (1 failed and rolled back, 2 bad parameters, 3 refused
    before any change, 4 failed with something left).
  returned: failed
  type: int
  sample: 3
error:
  description: lvmkit's error from the JSON document (C(code), C(operation), C(object),
    C(message), C(details), C(hint)).
  returned: failed, when lvmkit-docker printed one
  type: dict
  sample: {code: has_signatures, operation: preflight, object: /dev/sdb,
           message: "the device holds data signatures", details: ["ext4 (filesystem) at offset 1080"],
           hint: "check the device is the one you mean; --wipe-signatures allows erasing them"}
cmd:
  description: The last lvmkit-docker command line run.
  returned: always
  type: list
  elements: str
  sample: [/usr/bin/lvmkit-docker, setup, --device=/dev/sdb, --yes, --json]
stderr:
  description: lvmkit-docker's stderr (progress lines, usage errors).
  returned: failed
  type: str
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule

ARGUMENT_SPEC = dict(
    state=dict(type='str', default='present', choices=['present', 'absent']),
    devices=dict(type='list', elements='path', aliases=['device']),
    vg=dict(type='str'),
    pool=dict(type='str'),
    data_size=dict(type='str', aliases=['data']),
    meta_size=dict(type='str', aliases=['meta']),
    chunk=dict(type='str', aliases=['chunk_size']),
    zero=dict(type='bool'),
    autoextend_threshold=dict(type='int'),
    autoextend_percent=dict(type='int'),
    profile=dict(type='str'),
    monitor=dict(type='bool', default=True),
    kernel_deferred_deletion=dict(type='str', choices=['auto', 'enable', 'disable']),
    daemon_json=dict(type='str'),
    containerd_config=dict(type='str'),
    no_runtime_config=dict(type='bool', default=False),
    docker_storage=dict(type='str', choices=['snapshotter', 'devicemapper']),
    cri_default=dict(type='bool', default=False),
    docker_version=dict(type='str'),
    replace_config=dict(type='bool', default=False),
    root=dict(type='path'),
    wipe_signatures=dict(type='bool', default=False),
    existing_vg=dict(type='bool', default=False),
    backup_graph_dir=dict(type='bool', default=False),
    force=dict(type='bool', default=False),
    executable=dict(type='path'),
)
MUTUALLY_EXCLUSIVE = [['containerd_config', 'no_runtime_config']]

EXIT_MEANING = {
    1: 'failed; what this run created was removed again',
    2: 'bad parameters; nothing was read or touched',
    3: 'refused before any change',
    4: 'failed and could not undo everything',
}

# Options every command takes (value options, then flags).
IDENTITY_VALUES = [('vg', '--vg'), ('pool', '--pool'), ('profile', '--profile'),
                   ('root', '--root'), ('daemon_json', '--daemon-json'),
                   ('containerd_config', '--containerd-config')]
IDENTITY_FLAGS = [('no_runtime_config', '--no-docker-config')]
# Options of plan, setup and config: the pool's shape and the runtime mode.
POOL_VALUES = [('data_size', '--data'), ('meta_size', '--meta'), ('chunk', '--chunk'),
               ('autoextend_threshold', '--autoextend-threshold'),
               ('autoextend_percent', '--autoextend-percent'),
               ('docker_version', '--docker-version'), ('docker_storage', '--docker-storage')]
POOL_FLAGS = [('replace_config', '--replace-config'), ('cri_default', '--cri-default')]
DEFERRED_DELETION = {'auto': 'auto', 'enable': 'yes', 'disable': 'no'}
# Options of plan, setup and teardown: the devices.
DEVICE_FLAGS = [('existing_vg', '--existing-vg'), ('wipe_signatures', '--wipe-signatures'),
                ('backup_graph_dir', '--backup-graph-dir')]

# What teardown removes, as the plan's steps that are already done (see leftovers()).
TEARDOWN_TARGETS = ['create_pv', 'create_vg', 'create_data_lv', 'create_metadata_lv',
                    'convert_to_pool', 'write_profile', 'write_daemon_config']


def value_options(params, table):
    # `--opt=value`, so a value that starts with "-" is never read as an option.
    return ['%s=%s' % (option, params[name]) for name, option in table
            if params.get(name) is not None]


def flag_options(params, table):
    return [option for name, option in table if params.get(name)]


def identity_args(params):
    return value_options(params, IDENTITY_VALUES) + flag_options(params, IDENTITY_FLAGS)


def pool_args(params):
    args = value_options(params, POOL_VALUES) + flag_options(params, POOL_FLAGS)
    if params.get('zero') is not None:
        args.append('--zero' if params['zero'] else '--no-zero')
    if not params.get('monitor', True):
        args.append('--no-monitor')
    if params.get('kernel_deferred_deletion') is not None:
        args.append('--kernel-deferred-deletion=' +
                    DEFERRED_DELETION[params['kernel_deferred_deletion']])
    return args


def device_args(params, flags=None):
    args = ['--device=%s' % device for device in params.get('devices') or []]
    return args + flag_options(params, DEVICE_FLAGS if flags is None else flags)


def command_args(command, params):
    """The lvmkit-docker arguments of one command, --json last."""
    args = [command] + identity_args(params)
    # teardown too: the pool's values tell it which profile is lvmkit's, the runtime mode which
    # config entries are.
    if command in ('plan', 'setup', 'config', 'teardown', 'grow'):
        args += pool_args(params)
    if command in ('plan', 'setup', 'grow'):
        args += device_args(params)
    if command == 'teardown':
        args += device_args(params, [('existing_vg', '--existing-vg')])
    if command in ('setup', 'teardown', 'grow'):
        args.append('--yes')
    if command == 'teardown' and params.get('force'):
        args.append('--force')
    return args + ['--json']


def describe_error(error):
    """lvmkit's error as one line: operation object: message | details; hint."""
    head = ' '.join(part for part in (error.get('operation'), error.get('object')) if part)
    text = (head + ': ' if head else '') + (error.get('message') or '')
    details = [line for detail in error.get('details') or [] for line in detail.splitlines()]
    if details:
        text += ' | ' + ' | '.join(details)
    if error.get('hint'):
        text += '; hint: ' + error['hint']
    return text


def error_of(doc):
    if isinstance(doc, dict) and isinstance(doc.get('result'), dict):
        return doc['result'].get('error')
    return None


def steps_to_do(plan):
    return [step['step'] for step in plan.get('steps', [])
            if not step.get('done') and step.get('step') != 'probe']


class Cli(object):
    """Runs lvmkit-docker and turns its exit code and JSON document into the task's result."""

    def __init__(self, module):
        self.module = module
        self.binary = module.params['executable'] or module.get_bin_path(
            'lvmkit-docker', required=True, opt_dirs=['/usr/sbin', '/usr/local/bin'])
        self.last_cmd = None

    def run(self, command, extra=None):
        cmd = [self.binary] + command_args(command, self.module.params)
        if extra:
            cmd[-1:-1] = extra
        self.last_cmd = cmd
        rc, out, err = self.module.run_command(cmd, environ_update={'LC_ALL': 'C'})
        try:
            doc = json.loads(out) if out.strip() else None
        except ValueError:
            doc = None
        return dict(command=command, rc=rc, stdout=out, stderr=err, doc=doc)

    def fail(self, run, **result):
        error = error_of(run['doc'])
        if error:
            reason = describe_error(error)
        else:  # a usage error (exit 2) is CLI text on stderr, not JSON
            lines = [line for line in (run['stderr'] or run['stdout']).splitlines()
                     if line.strip() and not line.startswith('Run with --help')]
            reason = ' '.join(line.strip() for line in lines) or 'no output'
        meaning = EXIT_MEANING.get(run['rc'], 'unexpected exit code')
        result.setdefault('changed', False)
        self.module.fail_json(
            msg='lvmkit-docker %s: exit %d (%s): %s' % (run['command'], run['rc'], meaning,
                                                        reason),
            rc=run['rc'], error=error, cmd=self.last_cmd, stderr=run['stderr'], **result)

    def plan(self):
        run = self.run('plan')
        if run['rc'] != 0 or not isinstance(run['doc'], dict):
            self.fail(run)
        return run['doc']


def read_text(path):
    try:
        with open(path, 'r') as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def write_targets(plan):
    """The files the plan's pending steps write: (step, description) of each `Write ...` step."""
    return [(step['step'], step['description']) for step in plan.get('steps', [])
            if not step.get('done') and step.get('description', '').startswith('Write ')]


def host_path(name, targets, root):
    """Where a file `config --json` printed lives on the host, if a pending step writes it."""
    if os.path.isabs(name):
        path = os.path.join(root, name.lstrip('/')) if root and root != '/' else name
        for _, description in targets:
            if path in description or name in description:
                return path
        return None
    for _, description in targets:  # the profile: config names only the file
        written = description[len('Write '):].split(': ', 1)[0]
        if os.path.basename(written) == name:
            return written
    return None


def config_diff(cli, plan):
    """before/after of each config file the plan would write, for Ansible's --diff."""
    targets = write_targets(plan)
    parts = []
    if any(step == 'write_profile' for step, _ in targets):
        parts.append('profile')
    if any(step != 'write_profile' for step, _ in targets):
        params = cli.module.params
        if not params['no_runtime_config'] and not params['containerd_config']:
            parts.append('daemon-json')
        # containerd's config.toml: asked for, or named by a pending step (a runtime mode
        # lvmkit-docker chose itself, e.g. Docker 25 and later).
        if (params['containerd_config'] or params['docker_storage'] == 'snapshotter' or
                params['cri_default'] or
                any('config.toml' in description for _, description in targets)):
            parts.append('containerd')
    diff = []
    for part in parts:
        run = cli.run('config', ['--print=' + part])
        if run['rc'] != 0 or not isinstance(run['doc'], dict):
            cli.module.warn('no diff for %s: lvmkit-docker config exited %d' % (part, run['rc']))
            continue
        for name, after in sorted(run['doc'].items()):
            path = host_path(name, targets, cli.module.params['root'])
            if path is None:
                continue
            before = read_text(path)
            if before == after:
                continue
            diff.append(dict(before_header=path if before is not None else path + ' (absent)',
                             after_header=path, before=before or '', after=after))
    return diff


def grow_plan(cli):
    """grow's plan when the pool exists (grow --dry-run), else None: setup makes the pool, and
    a device grow refuses, setup's own probe refuses with the same message."""
    run = cli.run('grow', ['--dry-run'])
    if run['rc'] != 0 or not isinstance(run['doc'], dict):
        return None
    return run['doc'].get('plan')


def adds_devices_to_pool(steps, done_key):
    """setup's steps add devices to the VG of a pool that already exists: the list grew."""
    state = dict((step.get('step'), step.get(done_key)) for step in steps)
    return state.get('convert_to_pool') in (True, 'skipped') and \
        state.get('create_vg') in (False, 'finished')


def ensure_grown(cli, result):
    """After setup added the new devices to the pool's VG (its probe checked them), grow takes
    their space (grow with no new device grows into the VG's free space)."""
    run = cli.run('grow')
    doc = run['doc'] if isinstance(run['doc'], dict) else {}
    if run['rc'] != 0:
        cli.fail(run, changed=True, grow=doc)
    result.update(grow=doc, changed=True)
    if doc.get('status'):
        result['status'] = doc['status']


def ensure_present(module, cli):
    result = dict(changed=False)
    if module.check_mode or module._diff:
        plan = cli.plan()
        result.update(plan=plan, steps_to_do=steps_to_do(plan), changed=not plan['nothing_to_do'])
        if adds_devices_to_pool(plan.get('steps', []), 'done'):
            planned = grow_plan(cli)  # before setup: the new devices join, then the pool grows
            if planned:
                result.update(grow=planned, steps_to_do=steps_to_do(planned))
        if module._diff:
            result['diff'] = config_diff(cli, plan)
        for warning in plan.get('warnings', []):
            module.warn(warning)
    if module.check_mode:
        module.exit_json(cmd=cli.last_cmd, **result)
    run = cli.run('setup')
    doc = run['doc'] if isinstance(run['doc'], dict) else {}
    if run['rc'] != 0:
        # Exit 1 rolled back what it created; 4 left something behind.
        cli.fail(run, changed=run['rc'] == 4, plan=doc.get('plan'), steps=doc.get('steps', []))
    plan = doc.get('plan') or {}
    if 'plan' not in result:
        for warning in plan.get('warnings', []):
            module.warn(warning)
    result.update(plan=plan, steps_to_do=steps_to_do(plan), steps=doc.get('steps', []),
                  status=doc.get('status'),
                  changed=not doc.get('result', {}).get('nothing_to_do', False))
    if adds_devices_to_pool(doc.get('steps', []), 'outcome'):
        ensure_grown(cli, result)
    module.exit_json(cmd=cli.last_cmd, **result)


def leftovers(plan, params):
    """What of the pool is still on the machine: the plan's steps that are already done."""
    ignore = ['create_pv', 'create_vg'] if params['existing_vg'] else []
    return [step['step'] for step in plan.get('steps', [])
            if step.get('done') and step['step'] in TEARDOWN_TARGETS and step['step'] not in ignore]


def ensure_absent(module, cli):
    probe = cli.run('plan')
    present = None  # unknown when plan refuses (e.g. a pool that differs): teardown decides
    if probe['rc'] == 0 and isinstance(probe['doc'], dict):
        present = leftovers(probe['doc'], module.params)
        if not present:
            module.exit_json(changed=False, steps_to_do=[], cmd=cli.last_cmd,
                             msg='nothing of the pool is left on this machine')
    if module.check_mode:
        module.exit_json(changed=True, steps_to_do=present or [], cmd=cli.last_cmd)
    run = cli.run('teardown')
    doc = run['doc'] if isinstance(run['doc'], dict) else {}
    steps = doc.get('steps', [])
    if run['rc'] != 0:
        # Teardown has no rollback: a step that finished stays done.
        cli.fail(run, changed=any(s.get('outcome') == 'finished' for s in steps), steps=steps)
    module.exit_json(changed=True, steps=steps, steps_to_do=present or [], cmd=cli.last_cmd)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, mutually_exclusive=MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    cli = Cli(module)
    if module.params['state'] == 'absent':
        ensure_absent(module, cli)
    else:
        ensure_present(module, cli)


if __name__ == '__main__':
    main()
