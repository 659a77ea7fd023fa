#include "lvmkit/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include "catch_compat.hpp"

#include "file_kind_fixtures.hpp"
#include "internal/file_checks.hpp"
#include "lvmkit/error.hpp"

using lvmkit::Errc;
using lvmkit::Error;
using lvmkit::FileStep;
using lvmkit::FileWriter;
using lvmkit::TargetRoot;
using lvmkit::WriteOptions;

namespace {

/// A temporary directory, removed recursively afterwards.
class TempDir {
  public:
    TempDir() {
        const char* base = std::getenv("TMPDIR");
        std::string pattern = std::string(base ? base : "/tmp") + "/lvmkit-files-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void spit(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

unsigned mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    REQUIRE(d != nullptr);
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..")
            names.push_back(name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

/// Restores the umask a test changed.
struct UmaskGuard {
    explicit UmaskGuard(mode_t mask) : old(::umask(mask)) {}
    ~UmaskGuard() { ::umask(old); }
    mode_t old;
};

}  // namespace

TEST_CASE("TargetRoot resolves paths inside the root and refuses escapes", "[config][files]") {
    TempDir tmp;
    const std::string root = tmp.path();
    REQUIRE(::mkdir((root + "/etc").c_str(), 0755) == 0);
    REQUIRE(::mkdir((root + "/usr").c_str(), 0755) == 0);
    REQUIRE(::symlink("/usr", (root + "/etc/abs").c_str()) == 0);
    REQUIRE(::symlink("../usr", (root + "/etc/rel").c_str()) == 0);
    REQUIRE(::symlink("../../../../../etc", (root + "/etc/escape").c_str()) == 0);
    REQUIRE(::symlink("loop2", (root + "/etc/loop1").c_str()) == 0);
    REQUIRE(::symlink("loop1", (root + "/etc/loop2").c_str()) == 0);
    const TargetRoot target(root);

    CHECK(target.resolve("/etc/docker/daemon.json") == root + "/etc/docker/daemon.json");
    CHECK(target.resolve("/") == root);
    CHECK(target.resolve("//etc/./x") == root + "/etc/x");
    CHECK(target.resolve("/etc/../etc/x") == root + "/etc/x");
    SECTION("absolute symlinks point inside the root") {
        CHECK(target.resolve("/etc/abs/x") == root + "/usr/x");
    }
    SECTION("relative symlinks are followed") {
        CHECK(target.resolve("/etc/rel/x") == root + "/usr/x");
    }
    SECTION("the last component is not followed unless asked") {
        CHECK(target.resolve("/etc/abs") == root + "/etc/abs");
        CHECK(target.resolve("/etc/abs", true) == root + "/usr");
    }
    SECTION("escapes through .. or a symlink are refused") {
        for (const char* path :
             {"/../etc/passwd", "/etc/../../x", "/a/b/../../../x", "/etc/escape/passwd"}) {
            INFO(path);
            try {
                target.resolve(path);
                FAIL("resolved an escape");
            } catch (const Error& e) {
                CHECK(e.errc() == Errc::invalid_argument);
                CHECK(std::string(e.what()).find("climbs above the target root") !=
                      std::string::npos);
            }
        }
    }
    SECTION("symlink loops and relative paths are refused") {
        CHECK_THROWS_MATCHES(
            target.resolve("/etc/loop1/x"), Error, Catch::Predicate<Error>([](const Error& e) {
                return e.errc() == Errc::invalid_argument &&
                       std::string(e.what()).find("40 symlinks") != std::string::npos;
            }));
        CHECK_THROWS_AS(target.resolve("etc/x"), Error);
        CHECK_THROWS_AS(target.resolve(""), Error);
    }
    SECTION("the root must exist") {
        CHECK_THROWS_AS(TargetRoot(root + "/missing"), Error);
        CHECK_THROWS_AS(TargetRoot("relative"), Error);
    }
}

TEST_CASE("FileWriter creates a new file 0644 with 0755 parents despite the umask",
          "[config][files]") {
    TempDir tmp;
    UmaskGuard umask_077(077);  // what liblvm2cmd leaves behind
    FileWriter writer{TargetRoot(tmp.path())};

    const auto result = writer.write("/etc/lvm/profile/docker-thinpool.profile", "text\n");
    const std::string host = tmp.path() + "/etc/lvm/profile/docker-thinpool.profile";
    CHECK(result.changed);
    CHECK(result.created);
    CHECK(result.host_path == host);
    CHECK(result.backup_host_path.empty());
    CHECK(slurp(host) == "text\n");
    CHECK(mode_of(host) == 0644);
    CHECK(mode_of(tmp.path() + "/etc") == 0755);
    CHECK(mode_of(tmp.path() + "/etc/lvm/profile") == 0755);
    REQUIRE(result.created_directories.size() == 3);
    CHECK(result.created_directories.front() == tmp.path() + "/etc");
    CHECK(entries(tmp.path() + "/etc/lvm/profile") ==
          std::vector<std::string>{"docker-thinpool.profile"});

    SECTION("undo removes the file and the directories it made") {
        writer.undo(result);
        CHECK(entries(tmp.path()).empty());
    }
}

TEST_CASE("FileWriter replaces a file atomically, keeps mode and a backup", "[config][files]") {
    TempDir tmp;
    const std::string host = tmp.path() + "/daemon.json";
    spit(host, "old\n");
    REQUIRE(::chmod(host.c_str(), 0600) == 0);
    FileWriter writer{TargetRoot(tmp.path())};

    const auto result = writer.write("/daemon.json", "new\n");
    CHECK(result.changed);
    CHECK_FALSE(result.created);
    CHECK(result.backup_created);
    CHECK(slurp(host) == "new\n");
    CHECK(mode_of(host) == 0600);
    CHECK(slurp(host + ".lvmkit-backup") == "old\n");
    CHECK(mode_of(host + ".lvmkit-backup") == 0600);
    REQUIRE(result.previous_content);
    CHECK(*result.previous_content == "old\n");
    CHECK(entries(tmp.path()) ==
          std::vector<std::string>{"daemon.json", "daemon.json.lvmkit-backup"});

    SECTION("the same content again changes nothing") {
        const auto again = writer.write("/daemon.json", "new\n");
        CHECK_FALSE(again.changed);
        CHECK_FALSE(again.backup_created);
    }
    SECTION("an existing backup is never overwritten") {
        const auto second = writer.write("/daemon.json", "newer\n");
        CHECK(second.changed);
        CHECK_FALSE(second.backup_created);
        CHECK(slurp(host + ".lvmkit-backup") == "old\n");
        writer.undo(second);
        CHECK(slurp(host) == "new\n");
        CHECK(exists(host + ".lvmkit-backup"));
    }
    SECTION("undo puts the previous content back and drops the backup it made") {
        writer.undo(result);
        CHECK(slurp(host) == "old\n");
        CHECK(mode_of(host) == 0600);
        CHECK_FALSE(exists(host + ".lvmkit-backup"));
    }
    SECTION("restore_backup renames the backup over the file") {
        writer.restore_backup("/daemon.json");
        CHECK(slurp(host) == "old\n");
        CHECK_FALSE(exists(host + ".lvmkit-backup"));
        CHECK_THROWS_MATCHES(
            writer.restore_backup("/daemon.json"), Error,
            Catch::Predicate<Error>([](const Error& e) { return e.errc() == Errc::not_found; }));
    }
    SECTION("a caller-given backup path") {
        WriteOptions options;
        options.backup_path = "/backups/daemon.json.orig";
        REQUIRE(::mkdir((tmp.path() + "/backups").c_str(), 0755) == 0);
        writer.write("/daemon.json", "newer\n", options);
        CHECK(slurp(tmp.path() + "/backups/daemon.json.orig") == "new\n");
    }
    SECTION("remove") {
        CHECK(writer.remove("/daemon.json"));
        CHECK_FALSE(exists(host));
        CHECK_FALSE(writer.remove("/daemon.json"));
    }
}

TEST_CASE("FileWriter refuses symlinks at the target unless asked", "[config][files]") {
    TempDir tmp;
    REQUIRE(::mkdir((tmp.path() + "/etc").c_str(), 0755) == 0);
    spit(tmp.path() + "/etc/real.json", "old");
    REQUIRE(::symlink("/etc/real.json", (tmp.path() + "/etc/daemon.json").c_str()) == 0);
    FileWriter writer{TargetRoot(tmp.path())};

    CHECK_THROWS_MATCHES(writer.write("/etc/daemon.json", "new"), Error,
                         Catch::Predicate<Error>([](const Error& e) {
                             return e.errc() == Errc::invalid_argument &&
                                    std::string(e.what()).find("symlink") != std::string::npos;
                         }));
    CHECK(slurp(tmp.path() + "/etc/real.json") == "old");
    CHECK_THROWS_AS(writer.read("/etc/daemon.json"), Error);

    WriteOptions follow;
    follow.follow_symlink = true;
    const auto result = writer.write("/etc/daemon.json", "new", follow);
    CHECK(result.host_path == tmp.path() + "/etc/real.json");
    CHECK(slurp(tmp.path() + "/etc/real.json") == "new");
    CHECK(writer.read("/etc/daemon.json", true) == std::optional<std::string>("new"));
    // The link itself is still a link.
    struct stat st {};
    REQUIRE(::lstat((tmp.path() + "/etc/daemon.json").c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
}

TEST_CASE("FileWriter refuses a directory at the target", "[config][files]") {
    TempDir tmp;
    REQUIRE(::mkdir((tmp.path() + "/daemon.json").c_str(), 0755) == 0);
    FileWriter writer{TargetRoot(tmp.path())};
    CHECK_THROWS_MATCHES(
        writer.write("/daemon.json", "x"), Error,
        Catch::Predicate<Error>([](const Error& e) { return e.errc() == Errc::conflict; }));
    spit(tmp.path() + "/file", "x");
    CHECK_THROWS_MATCHES(
        writer.write("/file/below", "x"), Error,
        Catch::Predicate<Error>([](const Error& e) { return e.errc() == Errc::conflict; }));
}

TEST_CASE("A failure at any step leaves the previous file intact", "[config][files]") {
    // (step, which occurrence of it fails, errno, expected code)
    const auto [step, nth, err, expected] = GENERATE(
        std::make_tuple(FileStep::create_temp, 1, EROFS, Errc::permission_denied),
        std::make_tuple(FileStep::create_temp, 1, EACCES, Errc::permission_denied),
        std::make_tuple(FileStep::write, 1, ENOSPC, Errc::insufficient_space),
        std::make_tuple(FileStep::write, 1, EIO, Errc::io_error),
        std::make_tuple(FileStep::set_owner, 1, EPERM, Errc::permission_denied),
        std::make_tuple(FileStep::fsync, 1, EIO, Errc::io_error),
        std::make_tuple(FileStep::backup, 1, ENOSPC, Errc::insufficient_space),
        std::make_tuple(FileStep::rename, 1, EIO, Errc::io_error),
        // 1st directory fsync: the backup's; 2nd: after the rename (the old file is put back).
        std::make_tuple(FileStep::fsync_directory, 1, EIO, Errc::io_error),
        std::make_tuple(FileStep::fsync_directory, 2, EIO, Errc::io_error));
    CAPTURE(lvmkit::to_string(step), nth, err);

    TempDir tmp;
    const std::string host = tmp.path() + "/daemon.json";
    spit(host, "old\n");
    int seen = 0;
    FileWriter writer{TargetRoot(tmp.path()),
                      [&, s = step, n = nth, e = err](FileStep at, const std::string&) {
                          return at == s && ++seen == n ? e : 0;
                      }};
    try {
        writer.write("/daemon.json", "new\n");
        FAIL("the injected failure was not reported");
    } catch (const Error& e) {
        CHECK(e.errc() == expected);
        CHECK(e.sys_errno() == err);
    }
    CHECK(slurp(host) == "old\n");
    // No temporary file and no backup left behind.
    CHECK(entries(tmp.path()) == std::vector<std::string>{"daemon.json"});
}

TEST_CASE("A failure while creating a new file leaves no file and no directory",
          "[config][files]") {
    const auto step = GENERATE(FileStep::create_directory, FileStep::create_temp, FileStep::write,
                               FileStep::fsync, FileStep::rename);
    CAPTURE(lvmkit::to_string(step));
    TempDir tmp;
    FileWriter writer{TargetRoot(tmp.path()), [s = step](FileStep at, const std::string& path) {
                          // Fail the second directory, so the first must be cleaned up.
                          if (at == FileStep::create_directory)
                              return s == at && path.find("/a/b") != std::string::npos ? EROFS : 0;
                          return at == s ? ENOSPC : 0;
                      }};
    CHECK_THROWS_AS(writer.write("/a/b/c.json", "x"), Error);
    CHECK(entries(tmp.path()).empty());
}

TEST_CASE("A write removes temporary files that an interrupted writer left behind",
          "[config][files]") {
    // A crash or power cut between creating the temporary file and renaming it leaves it.
    TempDir tmp;
    const std::string dir = tmp.path() + "/etc/docker";
    REQUIRE(std::system(("mkdir -p '" + dir + "'").c_str()) == 0);
    spit(dir + "/.daemon.json.lvmkit-dead01", "{\"half\":");
    spit(dir + "/.daemon.json.lvmkit-live02", "{\"being written");
    spit(dir + "/.other.json.lvmkit-dead03", "another file's");
    REQUIRE(::mkdir((dir + "/.daemon.json.lvmkit-dir04").c_str(), 0755) == 0);
    REQUIRE(::symlink("/etc/shadow", (dir + "/.daemon.json.lvmkit-link05").c_str()) == 0);
    // A writer that is still alive holds an flock on its temporary file.
    const int live = ::open((dir + "/.daemon.json.lvmkit-live02").c_str(), O_RDONLY);
    REQUIRE(live >= 0);
    REQUIRE(::flock(live, LOCK_EX) == 0);

    FileWriter{TargetRoot(tmp.path())}.write("/etc/docker/daemon.json", "{}\n");
    ::close(live);

    // Only the dead writer's file of this name is gone; the rest is not lvmkit's to remove.
    CHECK(entries(dir) == std::vector<std::string>{".daemon.json.lvmkit-dir04",
                                                   ".daemon.json.lvmkit-link05",
                                                   ".daemon.json.lvmkit-live02",
                                                   ".other.json.lvmkit-dead03", "daemon.json"});
    CHECK(slurp(dir + "/daemon.json") == "{}\n");
}

TEST_CASE("undo keeps a change someone made after lvmkit's write", "[config][files]") {
    TempDir tmp;
    const std::string host = tmp.path() + "/x";
    FileWriter writer{TargetRoot(tmp.path())};
    const auto created = writer.write("/x", "ours");
    spit(host, "edited by the admin");
    CHECK_THROWS_MATCHES(writer.undo(created), Error, Catch::Predicate<Error>([](const Error& e) {
                             return e.errc() == Errc::mismatch;
                         }));
    CHECK(slurp(host) == "edited by the admin");
    const auto replaced = writer.write("/x", "ours again");
    spit(host, "edited again");
    CHECK_THROWS_AS(writer.undo(replaced), Error);
    CHECK(slurp(host) == "edited again");
}

TEST_CASE("undo refuses when the file was replaced by something else", "[config][files]") {
    TempDir tmp;
    const std::string host = tmp.path() + "/x";
    spit(host, "old");
    FileWriter writer{TargetRoot(tmp.path())};
    const auto result = writer.write("/x", "new");
    REQUIRE(::unlink(host.c_str()) == 0);
    REQUIRE(::mkdir(host.c_str(), 0755) == 0);
    CHECK_THROWS_MATCHES(writer.undo(result), Error, Catch::Predicate<Error>([](const Error& e) {
                             return e.errc() == Errc::mismatch;
                         }));
}

TEST_CASE("A failed undo after a late failure keeps the backup and says so", "[config][files]") {
    TempDir tmp;
    const std::string host = tmp.path() + "/x";
    spit(host, "old");
    // Every directory fsync fails: the write's and the restore's.
    FileWriter writer{TargetRoot(tmp.path()), [](FileStep at, const std::string&) {
                          return at == FileStep::fsync_directory ? EIO : 0;
                      }};
    WriteOptions options;
    try {
        writer.write("/x", "new", options);
        FAIL("no error");
    } catch (const Error& e) {
        // The backup link's own fsync fails first, before anything was replaced.
        CHECK(e.errc() == Errc::io_error);
    }
    CHECK(slurp(host) == "old");

    int fsyncs = 0;
    FileWriter late{TargetRoot(tmp.path()), [&](FileStep at, const std::string&) {
                        // backup fsync ok, the write's fsync fails, the restore's rename fails
                        if (at == FileStep::fsync_directory)
                            return ++fsyncs == 2 ? EIO : 0;
                        return at == FileStep::rename && fsyncs >= 2 ? EIO : 0;
                    }};
    try {
        late.write("/x", "new");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.errc() == Errc::rollback_incomplete);
        CHECK(std::string(e.what()).find("x.lvmkit-backup") != std::string::npos);
    }
    CHECK(slurp(host + ".lvmkit-backup") == "old");
}

TEST_CASE("restore_backup, remove and undo failures leave the files as they were",
          "[config][files]") {
    TempDir tmp;
    const std::string host = tmp.path() + "/daemon.json";
    spit(host, "old");
    FileWriter plain{TargetRoot(tmp.path())};
    const auto result = plain.write("/daemon.json", "new");
    const auto failing = [&](FileStep step, int err) {
        return FileWriter{TargetRoot(tmp.path()), [step, err](FileStep at, const std::string&) {
                              return at == step ? err : 0;
                          }};
    };
    SECTION("restore_backup: rename fails") {
        CHECK_THROWS_MATCHES(failing(FileStep::rename, EROFS).restore_backup("/daemon.json"), Error,
                             Catch::Predicate<Error>([](const Error& e) {
                                 return e.errc() == Errc::permission_denied;
                             }));
        CHECK(slurp(host) == "new");
        CHECK(slurp(host + ".lvmkit-backup") == "old");
    }
    SECTION("remove: unlink fails") {
        CHECK_THROWS_AS(failing(FileStep::remove, EIO).remove("/daemon.json"), Error);
        CHECK(slurp(host) == "new");
    }
    SECTION("undo: each step of the rewrite fails") {
        const auto step =
            GENERATE(FileStep::create_temp, FileStep::write, FileStep::fsync, FileStep::rename);
        CAPTURE(lvmkit::to_string(step));
        CHECK_THROWS_AS(failing(step, ENOSPC).undo(result), Error);
        CHECK(slurp(host) == "new");
        CHECK(slurp(host + ".lvmkit-backup") == "old");
        CHECK(entries(tmp.path()) ==
              std::vector<std::string>{"daemon.json", "daemon.json.lvmkit-backup"});
        // Once the fault is gone, undo works.
        plain.undo(result);
        CHECK(slurp(host) == "old");
    }
    SECTION("undo of a created file: unlink fails") {
        const auto created = plain.write("/new.json", "x");
        CHECK_THROWS_AS(failing(FileStep::remove, EBUSY).undo(created), Error);
        CHECK(slurp(tmp.path() + "/new.json") == "x");
    }
}

// Issue 28: a FIFO given as daemon.json blocked setup in open(2) until it was killed.
TEST_CASE("FileWriter refuses a FIFO, a socket and device nodes at once, naming what they are",
          "[config][files][kinds]") {
    using namespace lvmkit::test;
    for (const auto kind : all_node_kinds) {
        INFO("kind: " << kind_words(kind));
        TempDir tmp;
        REQUIRE(::mkdir((tmp.path() + "/etc").c_str(), 0755) == 0);
        const std::string node = tmp.path() + "/etc/daemon.json";
        if (!made_node(kind, node))
            continue;
        const FileWriter writer{TargetRoot(tmp.path())};
        auto refused = [&](auto&& action, const char* operation) {
            const Deadline deadline(5);
            try {
                action();
                FAIL(operation << " accepted " << kind_words(kind));
            } catch (const Error& e) {
                CHECK(e.errc() == Errc::conflict);
                CHECK(e.operation() == operation);
                CHECK(e.object() == node);
                CHECK(e.message().find(std::string("is ") + kind_words(kind) +
                                       ", not a regular file") != std::string::npos);
            }
            CHECK(deadline.elapsed_seconds() < 1.0);
        };
        refused([&] { (void)writer.read("/etc/daemon.json"); }, "read file");
        refused([&] { (void)writer.read("/etc/daemon.json", true); }, "read file");
        refused([&] { (void)writer.write("/etc/daemon.json", "{}\n"); }, "write file");
        refused([&] { (void)writer.remove("/etc/daemon.json"); }, "remove file");
        // Nothing written beside it, the node itself still there and of its kind.
        CHECK(entries(tmp.path() + "/etc") == std::vector<std::string>{"daemon.json"});
        struct stat st {};
        REQUIRE(::lstat(node.c_str(), &st) == 0);
        CHECK_FALSE(S_ISREG(st.st_mode));
    }
}

TEST_CASE("A FIFO or a device where a directory belongs is named, the root included",
          "[config][files][kinds]") {
    using namespace lvmkit::test;
    for (const auto kind : all_node_kinds) {
        INFO("kind: " << kind_words(kind));
        TempDir tmp;
        const std::string node = tmp.path() + "/etc";
        if (!made_node(kind, node))
            continue;
        const Deadline deadline(5);
        const FileWriter writer{TargetRoot(tmp.path())};
        const std::string words = std::string("is ") + kind_words(kind) + ", not a directory";
        CHECK_THROWS_MATCHES(writer.read("/etc/docker/daemon.json"), Error,
                             Catch::Predicate<Error>([&](const Error& e) {
                                 return e.errc() == Errc::conflict && e.object() == node &&
                                        e.message().find(words) != std::string::npos;
                             }));
        CHECK_THROWS_MATCHES(writer.write("/etc/docker/daemon.json", "{}\n"), Error,
                             Catch::Predicate<Error>([&](const Error& e) {
                                 return e.errc() == Errc::conflict &&
                                        e.message().find(words) != std::string::npos;
                             }));
        CHECK_THROWS_MATCHES(TargetRoot(node), Error, Catch::Predicate<Error>([&](const Error& e) {
                                 return e.errc() == Errc::not_found &&
                                        e.message().find(words) != std::string::npos;
                             }));
        CHECK(deadline.elapsed_seconds() < 1.0);
        CHECK(entries(tmp.path()) == std::vector<std::string>{"etc"});
    }
}

TEST_CASE("A backup that is a FIFO is no backup: write and restore_backup refuse it",
          "[config][files][kinds]") {
    using namespace lvmkit::test;
    TempDir tmp;
    spit(tmp.path() + "/daemon.json", "{}\n");
    const std::string backup = tmp.path() + "/daemon.json.lvmkit-backup";
    REQUIRE(make_node(NodeKind::fifo, backup));
    const Deadline deadline(5);
    const FileWriter writer{TargetRoot(tmp.path())};
    CHECK_THROWS_MATCHES(writer.write("/daemon.json", "{\"debug\": true}\n"), Error,
                         Catch::Predicate<Error>([&](const Error& e) {
                             return e.errc() == Errc::conflict && e.object() == backup &&
                                    e.message().find("FIFO") != std::string::npos;
                         }));
    CHECK(slurp(tmp.path() + "/daemon.json") == "{}\n");
    CHECK_THROWS_MATCHES(writer.restore_backup("/daemon.json"), Error,
                         Catch::Predicate<Error>([&](const Error& e) {
                             return e.errc() == Errc::conflict && e.object() == backup;
                         }));
    CHECK(slurp(tmp.path() + "/daemon.json") == "{}\n");
    CHECK(entries(tmp.path()) ==
          std::vector<std::string>{"daemon.json", "daemon.json.lvmkit-backup"});
    CHECK(deadline.elapsed_seconds() < 1.0);
}

TEST_CASE("check_regular_file and check_directory name each kind, by stat alone",
          "[config][files][kinds]") {
    using namespace lvmkit::test;
    using lvmkit::internal::check_directory;
    using lvmkit::internal::check_regular_file;
    TempDir tmp;
    // Absent, a regular file, a directory: accepted where they belong.
    CHECK_NOTHROW(check_regular_file(tmp.path() + "/missing/below", "preflight"));
    CHECK_NOTHROW(check_directory(tmp.path() + "/missing", "preflight"));
    spit(tmp.path() + "/file", "x");
    CHECK_NOTHROW(check_regular_file(tmp.path() + "/file", "preflight"));
    CHECK_NOTHROW(check_directory(tmp.path(), "preflight"));
    CHECK_THROWS_WITH(check_regular_file(tmp.path(), "preflight"),
                      Catch::Contains("is a directory, not a regular file"));
    CHECK_THROWS_WITH(check_directory(tmp.path() + "/file", "preflight"),
                      Catch::Contains("is a regular file, not a directory"));
    for (const auto kind : all_node_kinds) {
        INFO("kind: " << kind_words(kind));
        const std::string node = tmp.path() + "/node-" + std::to_string(static_cast<int>(kind));
        if (!made_node(kind, node))
            continue;
        const Deadline deadline(5);
        const std::string kind_text = std::string("is ") + kind_words(kind);
        CHECK_THROWS_MATCHES(check_regular_file(node, "preflight"), Error,
                             Catch::Predicate<Error>([&](const Error& e) {
                                 return e.errc() == Errc::conflict &&
                                        e.operation() == "preflight" && e.object() == node &&
                                        e.message().find(kind_text + ", not a regular file") !=
                                            std::string::npos;
                             }));
        CHECK_THROWS_WITH(check_directory(node, "preflight"),
                          Catch::Contains(kind_text + ", not a directory"));
        // Below it: the node is named as the directory that is not one.
        CHECK_THROWS_MATCHES(check_regular_file(node + "/x.profile", "preflight"), Error,
                             Catch::Predicate<Error>([&](const Error& e) {
                                 return e.object() == node &&
                                        e.message().find(kind_text + ", not a directory") !=
                                            std::string::npos;
                             }));
        // A symlink counts as what it points to.
        const std::string link = node + "-link";
        REQUIRE(::symlink(node.c_str(), link.c_str()) == 0);
        CHECK_THROWS_WITH(check_regular_file(link, "preflight"),
                          Catch::Contains(kind_text + ", not a regular file"));
        CHECK(deadline.elapsed_seconds() < 1.0);
    }
}

TEST_CASE("create_only never replaces a file, not even one made during the write",
          "[config][files]") {
    TempDir tmp;
    const std::string host = tmp.path() + "/pool.db";
    // Another program creates the file between lvmkit's check and its move into place.
    auto racing = [&](FileStep at, const std::string&) {
        if (at == FileStep::rename && !exists(host))
            spit(host, "theirs");
        return 0;
    };
    // The harm: an ordinary write replaces the file that appeared meanwhile.
    FileWriter(TargetRoot(tmp.path()), racing).write("/pool.db", "ours");
    CHECK(slurp(host) == "ours");
    ::unlink(host.c_str());

    WriteOptions options;
    options.create_only = true;
    options.keep_backup = false;
    options.new_file_mode = 0600;
    CHECK_THROWS_MATCHES(
        FileWriter(TargetRoot(tmp.path()), racing).write("/pool.db", "ours", options), Error,
        Catch::Predicate<Error>([](const Error& e) {
            return e.errc() == Errc::conflict &&
                   std::string(e.what()).find("appeared while") != std::string::npos;
        }));
    CHECK(slurp(host) == "theirs");
    CHECK(entries(tmp.path()) == std::vector<std::string>{"pool.db"});  // no temporary file left

    // One that exists before is refused without a write.
    CHECK_THROWS_MATCHES(FileWriter(TargetRoot(tmp.path())).write("/pool.db", "ours", options),
                         Error, Catch::Predicate<Error>([](const Error& e) {
                             return e.errc() == Errc::conflict &&
                                    std::string(e.what()).find("exists") != std::string::npos;
                         }));
    CHECK(slurp(host) == "theirs");

    ::unlink(host.c_str());
    const auto written = FileWriter(TargetRoot(tmp.path())).write("/pool.db", "ours", options);
    CHECK(written.created);
    CHECK(slurp(host) == "ours");
    CHECK(mode_of(host) == 0600);
    CHECK(entries(tmp.path()) == std::vector<std::string>{"pool.db"});
}
