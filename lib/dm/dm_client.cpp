// Device operations over libdevmapper: one LibdmCall (lock, log hook, udev policy) per function.
#include <sys/sysmacros.h>

#include <algorithm>

#include "dm/dm_call.hpp"
#include "lvmkit/dm.hpp"
#include "lvmkit/log.hpp"

namespace lvmkit::dm {
namespace {

using internal::LibdmCall;
using internal::Op;
using internal::TaskPtr;

TaskPtr named_task(LibdmCall& call, int type, const std::string& name,
                   const std::string& operation) {
    validate_name(name);
    TaskPtr task = call.task(type, operation, name);
    call.check(dm_task_set_name(task.get(), name.c_str()), operation, name, "dm_task_set_name");
    return task;
}

void add_targets(LibdmCall& call, dm_task* task, const Table& table, const std::string& operation,
                 const std::string& name) {
    if (table.empty())
        throw Error(Errc::invalid_argument, operation, name, "the table has no targets");
    for (const auto& line : table) {
        if (line.length.count() == 0)
            throw Error(Errc::invalid_argument, operation, name,
                        "a table line can not have length 0");
        const std::string type = target_type(line.target);
        const std::string params = render_params(line.target);
        call.check(dm_task_add_target(task, line.start.count(), line.length.count(), type.c_str(),
                                      params.c_str()),
                   operation, name, "dm_task_add_target");
    }
}

// Visits each target of a TABLE or STATUS task that has run.
template <typename Fn>
void for_each_target(dm_task* task, Fn&& fn) {
    void* next = nullptr;
    do {
        std::uint64_t start = 0;
        std::uint64_t length = 0;
        char* type = nullptr;
        char* params = nullptr;
        next = dm_get_next_target(task, next, &start, &length, &type, &params);
        if (type != nullptr)
            fn(Sectors(start), Sectors(length), std::string(type),
               std::string(params != nullptr ? params : ""));
    } while (next != nullptr);
}

// A TABLE or STATUS task for @p name that has run; not_found when the device is absent.
TaskPtr run_read(LibdmCall& call, int type, const std::string& name, const std::string& operation,
                 bool no_flush) {
    TaskPtr task = named_task(call, type, name, operation);
    // The open count costs a bdget in the kernel and nobody here reads it.
    call.check(dm_task_no_open_count(task.get()), operation, name, "dm_task_no_open_count");
    if (no_flush)
        call.check(dm_task_no_flush(task.get()), operation, name, "dm_task_no_flush");
    call.run(task.get(), Op::read, operation, name);
    dm_info info{};
    call.check(dm_task_get_info(task.get(), &info), operation, name, "dm_task_get_info");
    if (info.exists == 0)
        throw Error(Errc::not_found, operation, name, "no such device-mapper device");
    return task;
}

// The single target of a device that must be of @p expected_type.
TargetStatus single_target_status(const std::string& name, const char* expected_type,
                                  const std::string& operation, bool no_flush) {
    const auto statuses = status(name, no_flush);
    if (statuses.size() != 1 || statuses.front().type != expected_type) {
        std::string found;
        for (const auto& s : statuses)
            found += (found.empty() ? "" : ", ") + s.type;
        std::string hint;
        if (std::string(expected_type) == "thin-pool" && info(name + "-tpool").exists)
            hint = " (LVM layers a pool that has thin volumes: its thin-pool target is '" + name +
                   "-tpool')";
        throw Error(Errc::mismatch, operation, name,
                    std::string("expected one ") + expected_type + " target, found " +
                        (found.empty() ? "none" : found) + hint);
    }
    return statuses.front();
}

// Removes the device a failed create() left; a failed removal becomes rollback_incomplete.
void undo_create(LibdmCall& call, const std::string& name, const Error& failure) {
    try {
        internal::hit_create_fail_point("undo");
        TaskPtr task = named_task(call, DM_DEVICE_REMOVE, name, "undo create");
        call.check(dm_task_retry_remove(task.get()), "undo create", name, "dm_task_retry_remove");
        call.run_with_nodes(task.get(), Op::remove, "undo create", name);
    } catch (const Error& undo) {
        std::vector<std::string> details = failure.details();
        details.push_back(std::string("undo: ") + undo.what());
        throw Error(Errc::rollback_incomplete, failure.operation(), name,
                    failure.message() + "; removing the half-made device failed too, it is left",
                    details, failure.sys_errno());
    }
}

}  // namespace

std::vector<DeviceEntry> list_devices() {
    const std::string operation = "list device-mapper devices";
    LibdmCall call;
    TaskPtr task = call.task(DM_DEVICE_LIST, operation, "");
    call.run(task.get(), Op::list, operation, "");
    std::vector<DeviceEntry> devices;
    const dm_names* names = dm_task_get_names(task.get());
    if (names != nullptr && names->dev != 0) {
        for (;;) {
            const auto dev = static_cast<dev_t>(names->dev);
            devices.push_back({names->name, DeviceNumber{static_cast<std::uint32_t>(major(dev)),
                                                         static_cast<std::uint32_t>(minor(dev))}});
            if (names->next == 0)
                break;
            // The kernel packs the entries; next is a byte offset from this entry.
            names = reinterpret_cast<const dm_names*>(reinterpret_cast<const char*>(names) +
                                                      names->next);
        }
    }
    std::sort(devices.begin(), devices.end(),
              [](const DeviceEntry& a, const DeviceEntry& b) { return a.name < b.name; });
    return devices;
}

DeviceInfo info(const std::string& name) {
    const std::string operation = "get info of device-mapper device";
    LibdmCall call;
    TaskPtr task = named_task(call, DM_DEVICE_INFO, name, operation);
    call.run(task.get(), Op::read, operation, name);
    dm_info raw{};
    call.check(dm_task_get_info(task.get(), &raw), operation, name, "dm_task_get_info");
    DeviceInfo result;
    result.exists = raw.exists != 0;
    if (!result.exists)
        return result;
    result.name = name;
    const char* uuid = dm_task_get_uuid(task.get());
    result.uuid = uuid != nullptr ? uuid : "";
    result.number = {raw.major, raw.minor};
    result.open_count = raw.open_count;
    result.suspended = raw.suspended != 0;
    result.read_only = raw.read_only != 0;
    result.live_table = raw.live_table != 0;
    result.inactive_table = raw.inactive_table != 0;
    result.deferred_remove = raw.deferred_remove != 0;
    result.event_number = raw.event_nr;
    result.target_count = raw.target_count;
    return result;
}

Table table(const std::string& name) {
    const std::string operation = "read table of device-mapper device";
    LibdmCall call;
    TaskPtr task = run_read(call, DM_DEVICE_TABLE, name, operation, false);
    Table result;
    for_each_target(task.get(), [&](Sectors start, Sectors length, const std::string& type,
                                    const std::string& params) {
        result.push_back({start, length, parse_target(type, params)});
    });
    return result;
}

std::vector<TargetStatus> status(const std::string& name, bool no_flush) {
    const std::string operation = "read status of device-mapper device";
    LibdmCall call;
    TaskPtr task = run_read(call, DM_DEVICE_STATUS, name, operation, no_flush);
    std::vector<TargetStatus> result;
    for_each_target(task.get(), [&](Sectors start, Sectors length, const std::string& type,
                                    const std::string& params) {
        result.push_back({start, length, type, params});
    });
    return result;
}

ThinPoolStatus thin_pool_status(const std::string& name, bool commit_first) {
    const std::string operation = "read thin-pool status";
    const TargetStatus line = single_target_status(name, "thin-pool", operation, !commit_first);
    ThinPoolStatus parsed = parse_thin_pool_status(line.params);
    if (auto* usage = std::get_if<ThinPoolUsage>(&parsed)) {
        const Table pool_table = table(name);
        if (pool_table.size() == 1) {
            if (const auto* target = std::get_if<ThinPoolTarget>(&pool_table.front().target))
                usage->data_block_size = target->data_block_size;
        }
    }
    return parsed;
}

ThinStatus thin_status(const std::string& name) {
    const TargetStatus line = single_target_status(name, "thin", "read thin status", false);
    return parse_thin_status(line.params);
}

void create(const std::string& name, const Table& table, const CreateOptions& options) {
    const std::string operation = "create device-mapper device";
    validate_name(name);
    if (!options.uuid.empty())
        validate_uuid(options.uuid);
    (void)render_table(table);  // refuse a bad table before any ioctl
    LibdmCall call;
    if (info(name).exists)
        throw Error(Errc::already_exists, operation, name, "a device with this name exists");
    log(LogCategory::dm, LogLevel::info, "create " + name + ":\n" + render_table(table));
    // Three ioctls instead of libdevmapper's one-task create: its built-in revert hides the
    // kernel's errno (the last ioctl, the revert's remove, succeeded), and lvmkit wants to report
    // a revert that failed.
    TaskPtr task = named_task(call, DM_DEVICE_CREATE, name, operation);
    if (!options.uuid.empty())
        call.check(dm_task_set_uuid(task.get(), options.uuid.c_str()), operation, name,
                   "dm_task_set_uuid");
    internal::hit_create_fail_point("create");
    call.run(task.get(), Op::create, operation, name);
    try {
        internal::hit_create_fail_point("load");
        TaskPtr load = named_task(call, DM_DEVICE_RELOAD, name, operation);
        if (options.read_only)
            call.check(dm_task_set_ro(load.get()), operation, name, "dm_task_set_ro");
        add_targets(call, load.get(), table, operation, name);
        call.run(load.get(), Op::create, operation, name);
        internal::hit_create_fail_point("resume");
        TaskPtr activate = named_task(call, DM_DEVICE_RESUME, name, operation);
        call.run_with_nodes(activate.get(), Op::create, operation, name);
    } catch (const Error& failure) {
        undo_create(call, name, failure);
        throw;
    }
}

void reload(const std::string& name, const Table& table) {
    const std::string operation = "reload table of device-mapper device";
    LibdmCall call;
    TaskPtr task = named_task(call, DM_DEVICE_RELOAD, name, operation);
    add_targets(call, task.get(), table, operation, name);
    call.run(task.get(), Op::reload, operation, name);
}

void suspend(const std::string& name, const SuspendOptions& options) {
    const std::string operation = "suspend device-mapper device";
    LibdmCall call;
    TaskPtr task = named_task(call, DM_DEVICE_SUSPEND, name, operation);
    if (options.no_flush)
        call.check(dm_task_no_flush(task.get()), operation, name, "dm_task_no_flush");
    if (options.skip_lockfs)
        call.check(dm_task_skip_lockfs(task.get()), operation, name, "dm_task_skip_lockfs");
    call.run(task.get(), Op::suspend, operation, name);
}

void resume(const std::string& name) {
    const std::string operation = "resume device-mapper device";
    LibdmCall call;
    TaskPtr task = named_task(call, DM_DEVICE_RESUME, name, operation);
    call.run_with_nodes(task.get(), Op::resume, operation, name);
}

void rename(const std::string& name, const std::string& new_name) {
    const std::string operation = "rename device-mapper device";
    validate_name(new_name);
    LibdmCall call;
    if (info(new_name).exists)
        throw Error(Errc::already_exists, operation, name,
                    "a device named '" + new_name + "' exists");
    TaskPtr task = named_task(call, DM_DEVICE_RENAME, name, operation);
    call.check(dm_task_set_newname(task.get(), new_name.c_str()), operation, name,
               "dm_task_set_newname");
    call.run_with_nodes(task.get(), Op::rename, operation, name);
}

void remove(const std::string& name, const RemoveOptions& options) {
    const std::string operation = "remove device-mapper device";
    LibdmCall call;
    if (!info(name).exists)
        throw Error(Errc::not_found, operation, name, "no such device-mapper device");
    TaskPtr task = named_task(call, DM_DEVICE_REMOVE, name, operation);
    if (options.retry)
        call.check(dm_task_retry_remove(task.get()), operation, name, "dm_task_retry_remove");
    if (options.deferred)
        call.check(dm_task_deferred_remove(task.get()), operation, name, "dm_task_deferred_remove");
    call.run_with_nodes(task.get(), Op::remove, operation, name);
}

std::string message(const std::string& name, const std::string& text, Sectors sector) {
    const std::string operation = "send message '" + text + "' to device-mapper device";
    if (text.empty() || text.find('\n') != std::string::npos)
        throw Error(Errc::invalid_argument, operation, name,
                    "a message must be one non-empty line");
    LibdmCall call;
    TaskPtr task = named_task(call, DM_DEVICE_TARGET_MSG, name, operation);
    call.check(dm_task_set_sector(task.get(), sector.count()), operation, name,
               "dm_task_set_sector");
    call.check(dm_task_set_message(task.get(), text.c_str()), operation, name,
               "dm_task_set_message");
    call.run(task.get(), Op::message, operation, name);
    const char* response = dm_task_get_message_response(task.get());
    return response != nullptr ? response : "";
}

}  // namespace lvmkit::dm
