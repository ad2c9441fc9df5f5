#include "config/include_loader.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace havip::config::detail {
namespace {

// Deep enough for any sane layout, shallow enough to stop a runaway even where
// the cycle check cannot see (the same file reached through different names
// is still caught: we compare resolved paths).
constexpr std::size_t kMaxIncludeDepth = 16;

struct Frame {
  std::string canonical;
  std::string name;
};

std::string directoryOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string resolvedPath(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf) == nullptr) return path;
  return buf;
}

class Splicer {
 public:
  Splicer(const ParseOptions& options, Diagnostics& diags) : options_(options), diags_(diags) {}

  void splice(std::vector<Token> tokens, const std::string& directory, std::vector<Token>& out) {
    bool lineStart = true;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      Token& t = tokens[i];
      if (lineStart && t.kind == TokenKind::Word && t.raw == "include") {
        std::vector<const Token*> args;
        std::size_t j = i + 1;
        for (; j < tokens.size() && tokens[j].kind != TokenKind::Newline; ++j) args.push_back(&tokens[j]);
        include(t, args, directory, out);
        i = j - 1;  // the Newline (if any) is handled by the next iteration
        continue;
      }
      lineStart = t.kind == TokenKind::Newline;
      out.push_back(std::move(t));
    }
  }

  std::vector<Frame> stack;

 private:
  // The lexer cut csh-style brace globs ("conf.d/{a,b}.conf") into brace
  // tokens; glue back every run of tokens not separated by whitespace.
  static std::vector<std::string> includeWords(const std::vector<const Token*>& args) {
    std::vector<std::string> words;
    const Token* previous = nullptr;
    for (const Token* t : args) {
      bool adjacent = previous && previous->where.line == t->where.line &&
                      previous->where.column + previous->raw.size() == t->where.column;
      if (!adjacent) words.emplace_back();
      words.back() += t->kind == TokenKind::Word ? t->text : t->raw;
      previous = t;
    }
    return words;
  }

  void include(const Token& keyword, const std::vector<const Token*>& args, const std::string& directory,
               std::vector<Token>& out) {
    auto words = includeWords(args);
    if (words.size() != 1 || words[0].empty()) {
      diags_.error(keyword.where, "'include' takes 1 argument (a file name or glob pattern)");
      return;
    }
    if (!options_.allowIncludes) {
      diags_.error(keyword.where, "include is disabled here");
      return;
    }
    const std::string& pattern = words[0];
    if (stack.size() >= kMaxIncludeDepth) {
      diags_.error(keyword.where, "includes nested deeper than " + std::to_string(kMaxIncludeDepth));
      return;
    }
    std::string full = (!pattern.empty() && pattern[0] == '/') ? pattern : directory + "/" + pattern;
    glob_t g{};
    int rc = ::glob(full.c_str(), GLOB_MARK | GLOB_BRACE, nullptr, &g);
    if (rc == GLOB_NOMATCH) {
      ::globfree(&g);
      diags_.error(keyword.where, "include '" + pattern + "': no file matches " + full);
      return;
    }
    if (rc != 0) {
      ::globfree(&g);
      diags_.error(keyword.where, "include '" + pattern + "': cannot read " + full);
      return;
    }
    std::vector<std::string> files(g.gl_pathv, g.gl_pathv + g.gl_pathc);  // sorted by glob()
    ::globfree(&g);
    for (const auto& file : files) includeOne(keyword, file, out);
  }

  void includeOne(const Token& keyword, const std::string& file, std::vector<Token>& out) {
    if (!file.empty() && file.back() == '/') {
      diags_.error(keyword.where, "include: " + file + " is a directory");
      return;
    }
    std::string canonical = resolvedPath(file);
    for (const auto& frame : stack) {
      if (frame.canonical != canonical) continue;
      std::string chain;
      for (const auto& f : stack) chain += f.name + " -> ";
      diags_.error(keyword.where, "include cycle: " + chain + file);
      return;
    }
    auto text = readWholeFile(file);
    if (!text) {
      diags_.error(keyword.where, "include: cannot read " + file + ": " + text.error().message());
      return;
    }
    stack.push_back({canonical, file});
    splice(lex(*text, file, diags_), directoryOf(file), out);
    stack.pop_back();
    // An included file ends its last statement, like the end of a line.
    out.push_back({TokenKind::Newline, "\n", "\n", keyword.where});
  }

  const ParseOptions& options_;
  Diagnostics& diags_;
};

}  // namespace

tl::expected<std::string, std::error_code> readWholeFile(const std::string& path) {
  auto fail = [](int e) { return tl::unexpected(std::error_code(e, std::generic_category())); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    return fail(e);
  }
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return fail(e);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::vector<Token> loadTokens(std::string_view text, const std::string& name, const std::string& canonical,
                              const std::string& directory, const ParseOptions& options, Diagnostics& diags) {
  Splicer splicer(options, diags);
  if (!canonical.empty()) splicer.stack.push_back({canonical, name});
  std::vector<Token> out;
  splicer.splice(lex(text, name, diags), directory, out);
  SourceLocation end{name, 0, 0};
  if (!out.empty()) end = out.back().where;
  out.push_back({TokenKind::End, "", "", end});
  return out;
}

}  // namespace havip::config::detail
