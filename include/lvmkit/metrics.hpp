/// @file metrics.hpp
/// @brief A pool's figures for monitoring: Prometheus' text format, for node_exporter's textfile
/// collector (`--collector.textfile.directory`), written atomically.
///
/// Every series carries the labels `vg` and `pool`. Gauges: `lvmkit_pool_exists`,
/// `lvmkit_pool_data_used_bytes`, `lvmkit_pool_data_size_bytes`,
/// `lvmkit_pool_metadata_used_bytes`, `lvmkit_pool_metadata_size_bytes`, `lvmkit_pool_mode`
/// (one series a mode, label `mode`, 1 for the pool's), `lvmkit_pool_needs_check`,
/// `lvmkit_pool_monitored`, `lvmkit_pool_when_full` (label `when_full`),
/// `lvmkit_pool_autoextend_enabled`, `lvmkit_pool_autoextend_threshold_percent`,
/// `lvmkit_pool_autoextend_steps` (data steps the VG's free space allows),
/// `lvmkit_pool_vg_free_bytes`, `lvmkit_pool_thin_devices`,
/// `lvmkit_pool_thin_devices_unknown_to_lvm`, `lvmkit_pool_config_agrees` (label `file`, one
/// series per configuration file) and `lvmkit_pool_metrics_timestamp_seconds`.
#pragma once

#include <string>

#include "lvmkit/setup.hpp"

namespace lvmkit::setup {

/// @p status of the pool @p spec names, in Prometheus' text exposition format (version 0.0.4).
/// A pool that does not exist gives `lvmkit_pool_exists 0` and the timestamp only.
std::string prometheus_text(const ThinPoolSpec& spec, const PoolStatus& status);

/// Replaces @p path (absolute) with @p text atomically (a temporary file in the same directory,
/// fsync, rename), so a collector never reads half a file; no backup is kept.
/// @throws Error as FileWriter::write() (a FIFO or a device at @p path: Errc::conflict).
void write_metrics_file(const std::string& path, const std::string& text);

}  // namespace lvmkit::setup
