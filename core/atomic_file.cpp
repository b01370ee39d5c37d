#include "core/atomic_file.h"

#include "core/error.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ld {

namespace {

std::string errnoText(int err) { return std::strerror(err); }

std::string directoryOf(const std::string& path) {
    const auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

// Unique enough to not collide with a concurrent writer of the same target; O_EXCL
// below catches the rest.
std::string temporaryNameFor(const std::string& path) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::ostringstream name;
    name << path << ".tmp-" << ::getpid() << '-' << std::hex << (rng() & 0xffffffffu);
    return name.str();
}

void writeAll(int fd, const std::string& bytes, const std::string& path) {
    const char* p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(path, "cannot write: " + errnoText(errno));
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
}

}  // namespace

// Some file systems refuse fsync on a directory; that is not a reason to report a save as
// failed.
void syncDirectory(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

void writeFileAtomic(const std::string& path, const std::string& bytes) {
    if (path.empty()) throw Error(path, "empty file name");
    std::string tmp;
    int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
        tmp = temporaryNameFor(path);
        fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST) break;
    }
    if (fd < 0) throw Error(path, "cannot create temporary file: " + errnoText(errno));

    // Keep the permissions of the file being replaced (a user may have made it
    // group-writable); a new file gets the umask-filtered default.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::fchmod(fd, st.st_mode & 07777);

    try {
        writeAll(fd, bytes, path);
        if (::fsync(fd) != 0) throw Error(path, "cannot sync to disk: " + errnoText(errno));
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error(path, "cannot close: " + errnoText(err));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error(path, "cannot replace file: " + errnoText(err));
    }
    syncDirectory(directoryOf(path));
}

std::string readFile(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw Error(path, "cannot open: " + errnoText(errno));
    if (S_ISDIR(st.st_mode)) throw Error(path, "is a directory, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "cannot open for reading");
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) throw Error(path, "read error");
    return content.str();
}

}  // namespace ld
