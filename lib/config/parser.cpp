#include "config/parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "config/include_loader.h"
#include "config/keywords.h"
#include "config/lexer.h"
#include "config/summary.h"

namespace havip::config {
namespace {

// keepalived's schedulers (keepalived.conf(5), lvs_sched).
constexpr std::array<std::string_view, 14> kSchedulers = {
    "rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos"};

constexpr Millis kHttpDelayBeforeRetry{3000};
constexpr Millis kTcpDelayBeforeRetry{1000};
constexpr Seconds kDefaultPersistence{360};  // keepalived: "default 6 minutes"
constexpr std::size_t kMaxPasswordBytes = 8;   // RFC 3768 section 5.3.10
constexpr std::size_t kMaxIfNameBytes = 15;    // IFNAMSIZ - 1

// One line of configuration: a keyword, its arguments, and the '{' if it
// opens a block.
struct Statement {
  const Token* keyword = nullptr;
  std::vector<const Token*> args;
  const Token* open = nullptr;

  const std::string& kw() const { return keyword->text; }
  const SourceLocation& where() const { return keyword->where; }
};

// A word as a message quotes it; a huge one (a 1 MB line) is cut, so one
// error stays one readable line.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMaxQuoted = 64;
  if (s.size() <= kMaxQuoted) return "'" + std::string(s) + "'";
  return "'" + std::string(s.substr(0, kMaxQuoted)) + "...' (" + std::to_string(s.size()) + " bytes)";
}

std::optional<long long> parseInteger(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  long long value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [next, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc{} || next != end) return std::nullopt;
  return value;
}

// Seconds as "3", "0.5" or "2.125" into milliseconds; anything finer is refused
// rather than rounded.
std::optional<Millis> parseSecondsMs(std::string_view text) {
  auto dot = text.find('.');
  auto whole = parseInteger(text.substr(0, dot));
  if (!whole || *whole < 0 || text.substr(0, dot).front() == '-' || *whole > 100'000'000) return std::nullopt;
  long long ms = *whole * 1000;
  if (dot != std::string_view::npos) {
    auto frac = text.substr(dot + 1);
    if (frac.empty() || frac.size() > 3) return std::nullopt;
    for (char c : frac)
      if (c < '0' || c > '9') return std::nullopt;
    long long f = *parseInteger(frac);
    for (std::size_t n = frac.size(); n < 3; ++n) f *= 10;
    ms += f;
  }
  return Millis(ms);
}

std::optional<bool> parseBool(std::string_view text) {
  if (text == "on" || text == "true" || text == "yes") return true;
  if (text == "off" || text == "false" || text == "no") return false;
  return std::nullopt;
}

bool looksLikeEmail(std::string_view s) {
  auto at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size() && s.find('@', at + 1) == std::string_view::npos;
}

// What an SMTP server can take as a mailbox without a domain (RFC 5321
// dot-string): no '@', no whitespace, no angle brackets.
bool isLocalPart(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c > ' ' && c < 127 && c != '@' && c != '<' && c != '>' && c != '"' && c != '(' && c != ')' && c != ',' &&
           c != ';' && c != ':' && c != '[' && c != ']' && c != '\\';
  });
}

bool isHostName(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '-' || s.front() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
  });
}

bool allDigitsAndDots(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

// keepalived's decimal seconds ("0", "0.001", "2.5": up to microseconds):
// whether the value is zero, or nullopt when it is not such a number.
std::optional<bool> decimalIsZero(std::string_view text) {
  auto dot = text.find('.');
  auto whole = text.substr(0, dot);
  auto frac = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 4 || (dot != std::string_view::npos && (frac.empty() || frac.size() > 6)))
    return std::nullopt;
  bool zero = true;
  for (std::string_view part : {whole, frac})
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
      if (c != '0') zero = false;
    }
  return zero;
}

// Per-block memory of which single-valued keywords were already given.
class Seen {
 public:
  // True the first time; an error naming the first occurrence afterwards.
  bool first(const Statement& s, Diagnostics& diags) {
    auto [it, inserted] = where_.emplace(s.kw(), s.where());
    if (!inserted) diags.error(s.where(), "duplicate " + quoted(s.kw()) + " (first given at " + it->second.toString() + ")");
    return inserted;
  }

 private:
  std::map<std::string, SourceLocation> where_;
};

// Checker/real/virtual server values that inherit downwards.
struct CheckDefaults {
  std::optional<Millis> connectTimeout;
  std::optional<unsigned> retry;
  std::optional<Millis> delayBeforeRetry;
  std::optional<Millis> delayLoop;
};

struct PendingCheck {
  HealthCheck check;
  CheckDefaults own;
};

struct PendingRealServer {
  RealServer server;
  bool portGiven = false;
  bool weightGiven = false;
  CheckDefaults own;
  std::optional<bool> inhibit;
  std::vector<PendingCheck> checks;
};

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, Diagnostics& diags) : toks_(tokens), diags_(diags) {}

  Config run() {
    while (true) {
      Statement s;
      if (readStatement(s)) {
        topLevel(s);
        continue;
      }
      if (peek().kind == TokenKind::End) break;
      error(peek().where, "unexpected '}' (no block is open)");
      advance();
    }
    validate();
    return std::move(config_);
  }

 private:
  // ---- token cursor ----
  const Token& peek() const { return toks_[pos_]; }
  void advance() {
    if (toks_[pos_].kind != TokenKind::End) ++pos_;
  }
  void skipNewlines() {
    while (peek().kind == TokenKind::Newline) advance();
  }

  void error(const SourceLocation& where, std::string message) { diags_.error(where, std::move(message)); }
  void warning(const SourceLocation& where, std::string message) { diags_.warning(where, std::move(message)); }

  // Reads the next statement of the current block; false (nothing consumed)
  // at the block's '}' or at the end of input.
  bool readStatement(Statement& s) {
    while (true) {
      skipNewlines();
      const Token& t = peek();
      if (t.kind == TokenKind::CloseBrace || t.kind == TokenKind::End) return false;
      if (t.kind == TokenKind::OpenBrace) {
        error(t.where, "unexpected '{' (a block needs a keyword before it)");
        advance();
        skipBlock(t);
        continue;
      }
      s.keyword = &t;
      advance();
      while (peek().kind == TokenKind::Word) {
        s.args.push_back(&peek());
        advance();
      }
      if (peek().kind == TokenKind::OpenBrace) {
        s.open = &peek();
        advance();
      }
      return true;
    }
  }

  // Consumes tokens up to the '}' matching OPEN (already consumed).
  void skipBlock(const Token& open) {
    int depth = 1;
    while (depth > 0) {
      const Token& t = peek();
      if (t.kind == TokenKind::End) {
        error(open.where, "block is never closed: missing '}'");
        return;
      }
      if (t.kind == TokenKind::OpenBrace) ++depth;
      if (t.kind == TokenKind::CloseBrace) --depth;
      advance();
    }
  }

  // keepalived accepts the '{' on the line after the keyword too.
  bool openBlock(Statement& s) {
    if (s.open) return true;
    std::size_t saved = pos_;
    skipNewlines();
    if (peek().kind == TokenKind::OpenBrace) {
      s.open = &peek();
      advance();
      return true;
    }
    pos_ = saved;
    error(s.where(), quoted(s.kw()) + " needs a block { ... }");
    return false;
  }

  // For keywords that take no block: refuse one if given.
  void noBlock(const Statement& s) {
    if (!s.open) return;
    error(s.open->where, quoted(s.kw()) + " does not take a block");
    skipBlock(*s.open);
  }

  template <class F>
  void block(const Statement& owner, F&& onStatement) {
    while (true) {
      Statement s;
      if (readStatement(s)) {
        onStatement(s);
        continue;
      }
      if (peek().kind == TokenKind::CloseBrace) {
        advance();
        return;
      }
      error(owner.open->where, quoted(owner.kw()) + " block is never closed: missing '}'");
      return;
    }
  }

  void unknown(Statement& s, Block where) {
    ++refusedStatements_;
    const std::string& kw = s.kw();
    if (kw.empty())
      error(s.where(), "empty keyword (\"\")");
    else if (kw.front() == '$')
      error(s.where(), "unsupported: parameter substitution (" + kw + ")");
    else if (kw.front() == '@')
      error(s.where(), "unsupported: conditional configuration (" + kw + ")");
    else if (kw.rfind("~SEQ", 0) == 0 || kw.rfind("~LST", 0) == 0)
      error(s.where(), "unsupported: " + kw.substr(0, 4));
    else if (isUnsupported(where, kw))
      error(s.where(), "unsupported: " + kw + std::string(unsupportedReason(kw)));
    else
      error(s.where(), "unknown keyword " + quoted(kw) + " in " + std::string(toString(where)));
    // Drop the block that belongs to it, even when its '{' is on the next line.
    if (!s.open) {
      std::size_t saved = pos_;
      skipNewlines();
      if (peek().kind == TokenKind::OpenBrace) {
        s.open = &peek();
        advance();
      } else {
        pos_ = saved;
      }
    }
    if (s.open) skipBlock(*s.open);
  }

  // ---- argument helpers ----
  // One of a fixed set of words: sets `out`, or reports
  // "NAME must be A, B or C, got 'x'" at the word.
  template <typename Word, typename E>
  void choice(const Word& word, const std::string& name,
              std::initializer_list<std::pair<std::string_view, E>> words, E& out) {
    std::string expected;
    std::size_t i = 0;
    for (const auto& [text, value] : words) {
      if (word.text == text) {
        out = value;
        return;
      }
      expected += (i == 0 ? "" : i + 1 == words.size() ? " or " : ", ") + std::string(text);
      ++i;
    }
    error(word.where, name + " must be " + expected + ", got " + quoted(word.text));
  }

  bool argCount(const Statement& s, std::size_t min, std::size_t max) {
    auto describe = [&] {
      if (min == max) return std::to_string(min) + (min == 1 ? " argument" : " arguments");
      if (max == SIZE_MAX) return "at least " + std::to_string(min) + (min == 1 ? " argument" : " arguments");
      return std::to_string(min) + " to " + std::to_string(max) + " arguments";
    };
    if (s.args.size() < min) {
      error(s.where(), quoted(s.kw()) + " takes " + describe() + ", got " + std::to_string(s.args.size()));
      return false;
    }
    if (s.args.size() > max) {
      error(s.args[max]->where, quoted(s.kw()) + " takes " + describe() + ", got " + std::to_string(s.args.size()));
      return false;
    }
    return true;
  }

  std::optional<long long> integer(const Token& t, std::string_view what, long long lo, long long hi) {
    auto v = parseInteger(t.text);
    if (!v || *v < lo || *v > hi) {
      error(t.where, std::string(what) + " must be an integer " + std::to_string(lo) + ".." + std::to_string(hi) +
                         ", got " + quoted(t.text));
      return std::nullopt;
    }
    return v;
  }

  std::optional<Millis> seconds(const Token& t, std::string_view what, Millis lo, Millis hi) {
    auto v = parseSecondsMs(t.text);
    if (!v) {
      error(t.where, std::string(what) + " must be a number of seconds (like 3 or 0.5, at most 3 decimals), got " +
                         quoted(t.text));
      return std::nullopt;
    }
    if (*v < lo || *v > hi) {
      error(t.where, std::string(what) + " must be " + formatDuration(lo) + ".." + formatDuration(hi) + ", got " + quoted(t.text));
      return std::nullopt;
    }
    return v;
  }

  // KEYWORD [BOOL]: bare means true.
  std::optional<bool> optionalBool(const Statement& s) {
    if (!argCount(s, 0, 1)) return std::nullopt;
    if (s.args.empty()) return true;
    auto b = parseBool(s.args[0]->text);
    if (!b) error(s.args[0]->where, quoted(s.kw()) + " takes on|off|true|false|yes|no, got " + quoted(s.args[0]->text));
    return b;
  }

  std::optional<std::string> oneWord(const Statement& s) {
    if (!argCount(s, 1, 1)) return std::nullopt;
    if (s.args[0]->text.empty()) {
      error(s.args[0]->where, quoted(s.kw()) + " must not be empty");
      return std::nullopt;
    }
    return s.args[0]->text;
  }

  std::optional<net::Ipv4Address> ipv4(const Token& t, std::string_view what) {
    if (t.text.find(':') != std::string::npos) {
      error(t.where, "unsupported: IPv6 address " + quoted(t.text) + " (havip is IPv4 only)");
      return std::nullopt;
    }
    auto a = net::Ipv4Address::parse(t.text);
    if (!a) error(t.where, std::string(what) + " must be an IPv4 address, got " + quoted(t.text));
    return a;
  }

  // keepalived copies the word into RCPT TO:<...> / MAIL FROM:<...> unchecked,
  // and its own samples use a bare local part (`acassen`): the mail server
  // completes it with its own domain. Kept, with a warning; only words that no
  // server could take (an empty part around '@', two '@', spaces) are refused.
  std::optional<std::string> email(const Token& t) {
    if (looksLikeEmail(t.text)) return t.text;
    if (isLocalPart(t.text)) {
      warning(t.where, quoted(t.text) + " has no @domain: sent as <" + t.text +
                           "> as keepalived does; the mail server decides its domain");
      return t.text;
    }
    error(t.where, quoted(t.text) + " is not an e-mail address");
    ++emailRefused_;
    return std::nullopt;
  }

  void emailList(Statement& s, std::vector<std::string>& out) {
    noArgs(s);
    if (!openBlock(s)) return;
    block(s, [&](Statement& e) {
      noBlock(e);
      if (auto a = email(*e.keyword)) out.push_back(*a);
      for (const Token* extra : e.args)
        if (auto a = email(*extra)) out.push_back(*a);
    });
  }

  void noArgs(const Statement& s) {
    if (!s.args.empty()) error(s.args[0]->where, quoted(s.kw()) + " takes no argument before its block");
  }

  std::optional<SmtpServer> refusedServer() {
    ++smtpServerRefused_;
    return std::nullopt;
  }

  std::optional<SmtpServer> smtpServer(const Statement& s) {
    if (!argCount(s, 1, 2)) return refusedServer();
    SmtpServer server;
    server.where = s.where();
    const Token& host = *s.args[0];
    server.host = host.text;
    if (host.text.find(':') != std::string::npos) {
      error(host.where, "unsupported: IPv6 smtp_server " + quoted(host.text) + " (havip is IPv4 only)");
      return refusedServer();
    }
    if (allDigitsAndDots(host.text)) {
      server.address = net::Ipv4Address::parse(host.text);
      if (!server.address) {
        error(host.where, "smtp_server: bad IPv4 address " + quoted(host.text));
        return refusedServer();
      }
    } else if (!isHostName(host.text)) {
      error(host.where, "smtp_server: " + quoted(host.text) + " is neither a host name nor an IPv4 address");
      return refusedServer();
    }
    if (s.args.size() == 2) {
      auto port = integer(*s.args[1], "smtp_server port", 1, 65535);
      if (!port) return refusedServer();
      server.port = static_cast<std::uint16_t>(*port);
    }
    return server;
  }

  // ---- top level ----
  void topLevel(Statement& s) {
    const std::string& kw = s.kw();
    if (kw == "global_defs") {
      globalDefs(s);
    } else if (kw == "vrrp_instance") {
      vrrpInstance(s);
    } else if (kw == "vrrp_script") {
      vrrpScript(s);
    } else if (kw == "track_memory") {
      trackMemory(s);
    } else if (kw == "virtual_server") {
      virtualServer(s);
    } else if (kw == "vrrp_sync_group") {
      syncGroup(s);
    } else {
      unknown(s, Block::Top);
    }
  }

  void globalDefs(Statement& s) {
    noArgs(s);
    if (!openBlock(s)) return;
    GlobalDefs& g = config_.globalDefs;
    if (g.where.line == 0) g.where = s.where();
    block(s, [&](Statement& e) {
      const std::string& kw = e.kw();
      if (kw == "notification_email") {
        if (globalSeen_.first(e, diags_)) emailList(e, g.notificationEmail);
        else unknownBlockSkip(e);
        return;
      }
      if (kw != "router_id" && kw != "notification_email_from" && kw != "smtp_server" &&
          kw != "smtp_connect_timeout" && kw != "smtp_helo_name" && kw != "smtp_alert") {
        if (!compatGlobal(e)) unknown(e, Block::GlobalDefs);
        return;
      }
      noBlock(e);
      if (!globalSeen_.first(e, diags_)) return;
      if (kw == "router_id") {
        if (auto v = oneWord(e)) g.routerId = *v;
      } else if (kw == "notification_email_from") {
        if (argCount(e, 1, 1))
          if (auto v = email(*e.args[0])) g.notificationEmailFrom = *v;
      } else if (kw == "smtp_server") {
        if (auto v = smtpServer(e)) g.smtpServer = *v;
      } else if (kw == "smtp_connect_timeout") {
        if (argCount(e, 1, 1))
          if (auto v = integer(*e.args[0], "smtp_connect_timeout", 1, 3600)) g.smtpConnectTimeout = Seconds(*v);
      } else if (kw == "smtp_helo_name") {
        if (auto v = oneWord(e)) g.smtpHeloName = *v;
      } else if (kw == "smtp_alert") {
        if (auto v = optionalBool(e)) g.smtpAlert = *v;
      }
    });
  }

  // keepalived global_defs keywords that real configs carry (RHEL's default
  // keepalived.conf, tutorials) and that havip can take without changing what
  // the file means; docs/config.md ("keepalived keywords") has the table. The
  // rest stay "unsupported: KEYWORD (why)" (keywords.cpp). False: not one of them.
  bool compatGlobal(Statement& e) {
    const std::string& kw = e.kw();
    if (kw != "vrrp_skip_check_adv_addr" && kw != "vrrp_garp_interval" && kw != "vrrp_gna_interval" &&
        kw != "vrrp_no_swap" && kw != "checker_no_swap" && kw != "vrrp_priority" && kw != "checker_priority" &&
        kw != "lvs_id" && kw != "script_user" && kw != "vrrp_garp_master_delay" && kw != "vrrp_garp_master_repeat")
      return false;
    noBlock(e);
    if (!globalSeen_.first(e, diags_)) return true;
    if (kw == "vrrp_garp_master_delay") {
      // The defaults of every instance's garp_master_delay / _repeat (validate()
      // applies them to the instances that set neither), same ranges.
      if (argCount(e, 1, 1))
        if (auto v = integer(*e.args[0], kw, 0, 1000)) config_.globalDefs.garpMasterDelay = Seconds(*v);
    } else if (kw == "vrrp_garp_master_repeat") {
      if (argCount(e, 1, 1))
        if (auto v = integer(*e.args[0], kw, 1, 100)) config_.globalDefs.garpMasterRepeat = unsigned(*v);
    } else if (kw == "vrrp_skip_check_adv_addr") {
      // keepalived's shortcut: not comparing the address list of an advert from
      // the master it heard last. havip compares every advert's list; with the
      // routers configured alike (the only working set-up) the outcome is the same.
      optionalBool(e);
    } else if (kw == "vrrp_garp_interval" || kw == "vrrp_gna_interval") {
      if (!argCount(e, 1, 1)) return true;
      const Token& v = *e.args[0];
      auto zero = decimalIsZero(v.text);
      if (!zero) {
        error(v.where, kw + " must be a number of seconds (up to 6 decimals), got " + quoted(v.text));
      } else if (kw == "vrrp_garp_interval" && !*zero) {
        // havip sends a burst's ARPs back to back: a spacing it ignored would
        // hit switches with the rate limit the user asked to avoid.
        error(e.where(), "unsupported: vrrp_garp_interval " + v.text +
                             " (havip sends gratuitous ARPs back to back; only 0, keepalived's default, is accepted)");
      }
      // vrrp_gna_interval spaces IPv6 neighbour adverts; havip sends none.
    } else if (kw == "vrrp_no_swap" || kw == "checker_no_swap") {
      if (argCount(e, 0, 0))
        warning(e.where(), kw + " is ignored: havipd does not lock its memory; MemorySwapMax=0 in havipd.service "
                                "keeps it out of swap");
    } else if (kw == "vrrp_priority" || kw == "checker_priority") {
      if (argCount(e, 1, 1) && integer(*e.args[0], kw, -20, 19))
        warning(e.where(), kw + " is ignored: havipd runs as one process at the nice value it was started with; "
                                "set Nice= in havipd.service instead");
    } else if (kw == "lvs_id") {
      if (argCount(e, 1, 1))
        warning(e.where(), "lvs_id is ignored: it is keepalived 1.x's name for router_id, and keepalived 2.2.7 "
                           "ignores it too; use router_id");
    } else if (kw == "script_user" && argCount(e, 1, 2)) {
      // havipd runs as root (havipd.service has no User=) and starts scripts as
      // itself, so root is what this already does; another user would be ignored,
      // and a script meant to run unprivileged would run as root.
      bool root = e.args[0]->text == "root" && (e.args.size() == 1 || e.args[1]->text == "root");
      if (!root)
        error(e.where(), "unsupported: script_user " + e.args[0]->text +
                             " (havip runs scripts as havipd's own user, root; only script_user root is accepted)");
    }
    return true;
  }

  // vrrp_instance keywords taken for the same reasons as compatGlobal's.
  bool compatInstance(Statement& e, Seen& seen) {
    if (e.kw() != "skip_check_adv_addr") return false;
    noBlock(e);
    if (seen.first(e, diags_)) optionalBool(e);  // see vrrp_skip_check_adv_addr
    return true;
  }

  bool refusedSince(unsigned mark) const { return refusedStatements_ != mark; }

  // A duplicate block-valued keyword: report once (done by Seen), drop its block.
  void unknownBlockSkip(Statement& s) {
    if (s.open || openBlockQuiet(s)) skipBlock(*s.open);
  }
  bool openBlockQuiet(Statement& s) {
    std::size_t saved = pos_;
    skipNewlines();
    if (peek().kind == TokenKind::OpenBrace) {
      s.open = &peek();
      advance();
      return true;
    }
    pos_ = saved;
    return false;
  }

  // ---- vrrp_sync_group ----
  // Members are checked in validate(): instances may come later in the file.
  void syncGroup(Statement& s) {
    PendingSyncGroup pending;
    pending.group.where = s.where();
    bool named = argCount(s, 1, 1);
    if (named) pending.group.name = s.args[0]->text;
    if (!openBlock(s)) return;
    Seen seen;
    VrrpInstance scratch;  // the track_* helpers fill an instance's lists
    auto savedReverse = std::move(reverseWritten_);
    reverseWritten_.clear();
    block(s, [&](Statement& e) {
      const std::string& kw = e.kw();
      if (kw == "group" || kw == "track_script" || kw == "track_interface") {
        if (!seen.first(e, diags_)) {
          unknownBlockSkip(e);
          return;
        }
        if (kw == "track_script") {
          trackScripts(e, scratch);
        } else if (kw == "track_interface") {
          trackInterfaces(e, scratch);
        } else {
          pending.groupAt = e.where();
          noArgs(e);
          if (!openBlock(e)) return;
          block(e, [&](Statement& m) {
            noBlock(m);
            pending.members.push_back(m.keyword);
            for (const Token* more : m.args) pending.members.push_back(more);
          });
        }
        return;
      }
      if (kw != "sync_group_tracking_weight" && kw != "global_tracking") {
        unknown(e, Block::SyncGroup);
        return;
      }
      noBlock(e);
      if (!seen.first(e, diags_) || !argCount(e, 0, 0)) return;
      if (kw == "global_tracking")
        warning(e.where(), "global_tracking is deprecated (keepalived says so too): read as "
                           "sync_group_tracking_weight; track_script/track_interface on the group are the "
                           "replacement");
      pending.group.trackingWeight = true;
    });
    pending.group.trackScripts = std::move(scratch.trackScripts);
    pending.group.trackInterfaces = std::move(scratch.trackInterfaces);
    pending.reverseWritten = std::move(reverseWritten_);
    reverseWritten_ = std::move(savedReverse);
    if (named) syncGroups_.push_back(std::move(pending));
  }

  void validateSyncGroups() {
    std::map<std::string, const PendingSyncGroup*> names;
    std::map<std::string, std::pair<std::string, SourceLocation>> memberOf;  // instance -> group, entry
    for (auto& pending : syncGroups_) {
      SyncGroup& group = pending.group;
      const std::string what = "vrrp_sync_group " + quoted(group.name);
      if (auto [it, fresh] = names.emplace(group.name, &pending); !fresh) {
        error(group.where, "duplicate " + what + " (first at " + it->second->group.where.toString() + ")");
        continue;
      }
      if (!pending.groupAt) {
        error(group.where, what + " has no group { } block naming its instances");
        continue;
      }
      if (pending.members.empty()) {
        error(*pending.groupAt, what + ": group { } lists no instance");
        continue;
      }
      for (const Token* m : pending.members) {
        if (!config_.findInstance(m->text)) {
          error(m->where, what + ": no vrrp_instance " + quoted(m->text));
          continue;
        }
        auto [it, fresh] = memberOf.emplace(m->text, std::pair{group.name, m->where});
        if (!fresh) {
          error(m->where, "vrrp_instance " + quoted(m->text) + " is already in vrrp_sync_group " +
                              quoted(it->second.first) + " (" + it->second.second.toString() +
                              "): an instance belongs to one sync group at most");
          continue;
        }
        group.members.push_back(m->text);
      }
      if (group.members.size() == 1)
        warning(*pending.groupAt, what + " has only one instance (" + group.members.front() +
                                      "): it has nothing to sync with");
      for (std::size_t t = 0; t < group.trackScripts.size(); ++t) {
        TrackScript& track = group.trackScripts[t];
        const VrrpScript* script = config_.findScript(track.name);
        const TrackMemory* memory = config_.findMemory(track.name);
        if (!script && !memory) {
          error(track.where, "track_script " + quoted(track.name) + " names no vrrp_script or track_memory");
          continue;
        }
        if (!pending.reverseWritten[t]) track.reverse = script ? script->weightReverse : memory->weightReverse;
      }
      if (group.trackingWeight) continue;
      // keepalived's vrrp_complete_instance: no floating priorities inside a group.
      for (const auto& name : group.members) {
        const VrrpInstance& inst = *config_.findInstance(name);
        for (const auto& t : inst.trackScripts)
          if (int w = config_.effectiveWeight(t); w != 0)
            warning(t.where, "vrrp_instance " + quoted(name) + " is in " + what + ": track_script " +
                                 quoted(t.name) + " (weight " + std::to_string(w) +
                                 ") is ignored, as keepalived does; set sync_group_tracking_weight in the "
                                 "group to keep it");
        for (const auto& t : inst.trackInterfaces)
          if (t.weight != 0)
            warning(t.where, "vrrp_instance " + quoted(name) + " is in " + what + ": the weight of "
                                 "track_interface " + quoted(t.name) + " is ignored, as keepalived does: "
                                 "the instance goes FAULT while it is down; set sync_group_tracking_weight "
                                 "in the group to keep the weight");
      }
    }
    for (auto& pending : syncGroups_) {
      if (names[pending.group.name] != &pending || pending.group.members.empty()) continue;
      config_.syncGroups.push_back(std::move(pending.group));
    }
  }

  // ---- vrrp_script ----
  void vrrpScript(Statement& s) {
    const unsigned refusedAtOpen = refusedStatements_;
    VrrpScript script;
    script.where = s.where();
    if (argCount(s, 1, 1)) script.name = s.args[0]->text;
    if (!openBlock(s)) return;
    Seen seen;
    bool scriptGiven = false;
    block(s, [&](Statement& e) {
      const std::string& kw = e.kw();
      static const std::set<std::string, std::less<>> kKnown = {"script", "interval", "timeout", "weight",
                                                                "rise",   "fall",     "user",    "init_fail"};
      if (!kKnown.count(kw)) {
        unknown(e, Block::VrrpScript);
        return;
      }
      noBlock(e);
      if (!seen.first(e, diags_)) return;
      if (kw == "script") {
        scriptGiven = true;
        if (argCount(e, 1, SIZE_MAX)) scriptCommand(e, script);
      } else if (kw == "interval") {
        if (argCount(e, 1, 1))
          if (auto v = integer(*e.args[0], "interval", 1, 86400)) script.interval = Seconds(*v);
      } else if (kw == "timeout") {
        if (argCount(e, 1, 1))
          if (auto v = integer(*e.args[0], "timeout", 1, 86400)) script.timeout = Seconds(*v);
      } else if (kw == "weight") {
        if (argCount(e, 1, 2)) {
          if (auto v = integer(*e.args[0], "weight", -253, 253)) script.weight = static_cast<int>(*v);
          if (e.args.size() == 2) {
            if (e.args[1]->text == "reverse")
              script.weightReverse = true;
            else
              error(e.args[1]->where, "expected 'reverse' after the weight, got " + quoted(e.args[1]->text));
          }
        }
      } else if (kw == "rise" || kw == "fall") {
        if (argCount(e, 1, 1))
          if (auto v = integer(*e.args[0], kw, 1, 1000)) (kw == "rise" ? script.rise : script.fall) = unsigned(*v);
      } else if (kw == "user") {
        if (argCount(e, 1, 2)) {
          script.user = e.args[0]->text;
          if (e.args.size() == 2) script.group = e.args[1]->text;
        }
      } else if (kw == "init_fail") {
        if (argCount(e, 0, 0)) script.initFail = true;
      }
    });
    if (!scriptGiven && !script.name.empty() && !refusedSince(refusedAtOpen))
      error(script.where, "vrrp_script " + quoted(script.name) + " has no 'script'");
    if (!script.name.empty()) config_.vrrpScripts.push_back(std::move(script));
  }

  // ---- track_memory (havip's own block) ----
  void trackMemory(Statement& s) {
    const unsigned refusedAtOpen = refusedStatements_;
    TrackMemory memory;
    memory.where = s.where();
    if (argCount(s, 1, 1)) memory.name = s.args[0]->text;
    if (!openBlock(s)) return;
    Seen seen;
    bool metricGiven = false, minGiven = false;
    block(s, [&](Statement& e) {
      const std::string& kw = e.kw();
      static const std::set<std::string, std::less<>> kKnown = {"metric", "min_percent", "interval",
                                                                "weight", "rise",        "fall"};
      if (!kKnown.count(kw)) {
        unknown(e, Block::TrackMemory);
        return;
      }
      noBlock(e);
      if (!seen.first(e, diags_)) return;
      if (kw == "metric") {
        metricGiven = true;
        if (!argCount(e, 1, 1)) return;
        choice(*e.args[0], "metric", {{"free", MemoryMetric::Free}, {"available", MemoryMetric::Available}},
               memory.metric);
      } else if (kw == "min_percent") {
        minGiven = true;
        if (!argCount(e, 1, 1)) return;
        // Same grammar as seconds: digits with up to 3 decimals, read in thousandths.
        auto v = parseSecondsMs(e.args[0]->text);
        if (!v || v->count() > 100'000)
          error(e.args[0]->where, "min_percent must be a percentage 0..100 (up to 3 decimals), got " +
                                      quoted(e.args[0]->text));
        else
          memory.minPercent = double(v->count()) / 1000.0;
      } else if (kw == "interval") {
        if (argCount(e, 1, 1))
          if (auto v = seconds(*e.args[0], "interval", Millis(100), Millis(86'400'000))) memory.interval = *v;
      } else if (kw == "weight") {
        if (argCount(e, 1, 2)) {
          if (auto v = integer(*e.args[0], "weight", -253, 253)) memory.weight = static_cast<int>(*v);
          if (e.args.size() == 2) {
            if (e.args[1]->text == "reverse")
              memory.weightReverse = true;
            else
              error(e.args[1]->where, "expected 'reverse' after the weight, got " + quoted(e.args[1]->text));
          }
        }
      } else if (argCount(e, 1, 1)) {  // rise, fall
        if (auto v = integer(*e.args[0], kw, 1, 1000)) (kw == "rise" ? memory.rise : memory.fall) = unsigned(*v);
      }
    });
    if (memory.name.empty()) return;
    if (refusedSince(refusedAtOpen)) metricGiven = minGiven = true;  // see vrrpInstance
    if (!metricGiven)
      error(memory.where, "track_memory " + quoted(memory.name) + " has no 'metric' (free or available)");
    if (!minGiven) error(memory.where, "track_memory " + quoted(memory.name) + " has no 'min_percent'");
    config_.trackMemories.push_back(std::move(memory));
  }

  // keepalived re-splits the command with shell-like quoting; a lone argument
  // (the usual `script "cmd arg"`) is split once more so its spaces separate.
  bool scriptCommand(const Statement& e, VrrpScript& script) {
    auto command = commandOf(e);
    if (!command) return false;
    script.command = std::move(command->text);
    script.argv = std::move(command->argv);
    return true;
  }

  // The command of `script` or a notify keyword (errors prefixed with it).
  std::optional<Command> commandOf(const Statement& e) {
    std::string raw;
    for (const Token* t : e.args) raw += (raw.empty() ? "" : " ") + t->raw;
    Command out;
    std::string why;
    if (!splitCommand(raw, out.argv, &why)) {
      error(e.args[0]->where, e.kw() + ": " + why);
      return std::nullopt;
    }
    if (out.argv.size() == 1) {
      out.text = std::move(out.argv[0]);
      if (!splitCommand(out.text, out.argv, &why)) {
        error(e.args[0]->where, e.kw() + ": " + why);
        return std::nullopt;
      }
    } else {
      out.text = raw;
    }
    if (out.argv.empty() || out.argv[0].empty()) {
      error(e.args[0]->where, e.kw() + ": empty command");
      return std::nullopt;
    }
    return out;
  }

  // ---- vrrp_instance ----
  void vrrpInstance(Statement& s) {
    const unsigned refusedAtOpen = refusedStatements_;
    VrrpInstance inst;
    inst.where = s.where();
    bool named = argCount(s, 1, 1);
    if (named) inst.name = s.args[0]->text;
    if (!openBlock(s)) return;
    Seen seen;
    std::optional<SourceLocation> vridAt, ifAt, vipAt;
    vipEntries_ = 0;
    reverseWritten_.clear();
    block(s, [&](Statement& e) { instanceStatement(e, inst, seen, vridAt, ifAt, vipAt); });
    if (!named) return;
    // A required keyword may be the line just refused (`@main interface eth0`,
    // a typo): that refusal is the one error.
    const bool refused = refusedSince(refusedAtOpen);
    if (!ifAt && !refused) error(inst.where, "vrrp_instance " + quoted(inst.name) + " has no 'interface'");
    if (!vridAt && !refused) error(inst.where, "vrrp_instance " + quoted(inst.name) + " has no 'virtual_router_id'");
    if (!vipAt) {
      if (!refused) error(inst.where, "vrrp_instance " + quoted(inst.name) + " has no 'virtual_ipaddress'");
    } else if (vipEntries_ == 0)
      error(*vipAt, "vrrp_instance " + quoted(inst.name) + ": virtual_ipaddress lists no address");
    for (const auto& vip : inst.virtualIps) {
      const std::string& dev = vip.device.value_or(inst.interface);
      if (vip.label && vip.label->rfind(dev, 0) != 0)
        error(vip.where, "label " + quoted(*vip.label) + " must start with the device name " + quoted(dev) +
                             " (the kernel refuses it otherwise)");
    }
    vridLocation_[inst.name] = vridAt.value_or(inst.where);
    config_.vrrpInstances.push_back(std::move(inst));
    instanceReverseWritten_.push_back(std::move(reverseWritten_));
  }

  void instanceStatement(Statement& e, VrrpInstance& inst, Seen& seen, std::optional<SourceLocation>& vridAt,
                         std::optional<SourceLocation>& ifAt, std::optional<SourceLocation>& vipAt) {
    const std::string& kw = e.kw();
    // Keywords with a block.
    if (kw == "authentication" || kw == "virtual_ipaddress" || kw == "track_script" || kw == "track_interface" ||
        kw == "notify_email" || kw == "notification_email") {
      if (!seen.first(e, diags_)) {
        unknownBlockSkip(e);
        return;
      }
      if (kw == "authentication") {
        authentication(e, inst);
      } else if (kw == "virtual_ipaddress") {
        vipAt = e.where();
        virtualIps(e, inst);
      } else if (kw == "track_script") {
        trackScripts(e, inst);
      } else if (kw == "track_interface") {
        trackInterfaces(e, inst);
      } else {
        emailList(e, inst.mail.notificationEmail);
      }
      return;
    }
    static const std::set<std::string, std::less<>> kSimple = {
        "state",          "interface",          "virtual_router_id",    "priority",
        "advert_int",     "nopreempt",          "preempt",              "preempt_delay",
        "garp_master_delay", "garp_master_repeat", "smtp_alert",        "smtp_server",
        "smtp_connect_timeout", "router_id",    "notification_email_from", "smtp_helo_name",
        "version", "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"};
    if (!kSimple.count(kw)) {
      if (!compatInstance(e, seen)) unknown(e, Block::VrrpInstance);
      return;
    }
    noBlock(e);
    if (!seen.first(e, diags_)) return;
    if (kw.rfind("notify", 0) == 0) {
      if (!argCount(e, 1, SIZE_MAX)) return;
      auto& slot = kw == "notify_master"   ? inst.notify.master
                   : kw == "notify_backup" ? inst.notify.backup
                   : kw == "notify_fault"  ? inst.notify.fault
                   : kw == "notify_stop"   ? inst.notify.stop
                                           : inst.notify.any;
      slot = commandOf(e);
    } else if (kw == "state") {
      if (!argCount(e, 1, 1)) return;
      choice(*e.args[0], "state", {{"MASTER", InitialState::Master}, {"BACKUP", InitialState::Backup}},
             inst.initialState);
    } else if (kw == "interface") {
      ifAt = e.where();
      if (auto v = oneWord(e)) {
        if (v->size() > kMaxIfNameBytes || v->find('/') != std::string::npos)
          error(e.args[0]->where, "interface " + quoted(*v) + " is not a valid interface name (at most 15 bytes, no '/')");
        inst.interface = *v;
      }
    } else if (kw == "virtual_router_id") {
      vridAt = e.where();
      if (argCount(e, 1, 1))
        if (auto v = integer(*e.args[0], "virtual_router_id", 1, 255)) inst.virtualRouterId = std::uint8_t(*v);
    } else if (kw == "priority") {
      if (argCount(e, 1, 1))
        if (auto v = integer(*e.args[0], "priority", 1, 255)) inst.priority = std::uint8_t(*v);
    } else if (kw == "advert_int") {
      if (!argCount(e, 1, 1)) return;
      auto v = seconds(*e.args[0], "advert_int", Millis(1000), Millis(255'000));
      if (!v) return;
      if (v->count() % 1000 != 0) {
        error(e.args[0]->where, "advert_int must be whole seconds: VRRPv2 adverts carry an 8-bit count of seconds, got " +
                                    quoted(e.args[0]->text));
        return;
      }
      inst.advertInterval = std::chrono::duration_cast<Seconds>(*v);
    } else if (kw == "nopreempt") {
      if (argCount(e, 0, 0)) inst.nopreempt = true;
    } else if (kw == "preempt") {
      argCount(e, 0, 0);  // keepalived's default, kept for old configs
    } else if (kw == "preempt_delay") {
      if (argCount(e, 1, 1))
        if (auto v = seconds(*e.args[0], "preempt_delay", Millis(0), Millis(1'000'000))) inst.preemptDelay = *v;
    } else if (kw == "garp_master_delay") {
      if (argCount(e, 1, 1))
        if (auto v = integer(*e.args[0], "garp_master_delay", 0, 1000)) {
          inst.garpMasterDelay = Seconds(*v);
          ownGarpDelay_.insert(inst.name);
        }
    } else if (kw == "garp_master_repeat") {
      if (argCount(e, 1, 1))
        if (auto v = integer(*e.args[0], "garp_master_repeat", 1, 100)) {
          inst.garpMasterRepeat = unsigned(*v);
          ownGarpRepeat_.insert(inst.name);
        }
    } else if (kw == "smtp_alert") {
      if (auto v = optionalBool(e)) inst.smtpAlert = *v;
    } else if (kw == "smtp_server") {
      if (auto v = smtpServer(e)) inst.mail.smtpServer = *v;
    } else if (kw == "smtp_connect_timeout") {
      if (argCount(e, 1, 1))
        if (auto v = integer(*e.args[0], "smtp_connect_timeout", 1, 3600)) inst.mail.smtpConnectTimeout = Seconds(*v);
    } else if (kw == "router_id") {
      if (auto v = oneWord(e)) inst.mail.routerId = *v;
    } else if (kw == "notification_email_from") {
      if (argCount(e, 1, 1))
        if (auto v = email(*e.args[0])) inst.mail.notificationEmailFrom = *v;
    } else if (kw == "smtp_helo_name") {
      if (auto v = oneWord(e)) inst.mail.smtpHeloName = *v;
    } else if (kw == "version") {
      if (argCount(e, 1, 1) && e.args[0]->text != "2")
        error(e.args[0]->where, "unsupported: version " + e.args[0]->text + " (havip speaks VRRPv2 only)");
    }
  }

  void authentication(Statement& s, VrrpInstance& inst) {
    noArgs(s);
    if (!openBlock(s)) return;
    Seen seen;
    std::optional<std::string> type, pass;
    bool typeGiven = false, passGiven = false;
    block(s, [&](Statement& e) {
      if (e.kw() != "auth_type" && e.kw() != "auth_pass") {
        unknown(e, Block::VrrpInstance);
        return;
      }
      noBlock(e);
      if (!seen.first(e, diags_) || !argCount(e, 1, 1)) return;
      const Token& v = *e.args[0];
      if (e.kw() == "auth_type") {
        typeGiven = true;
        if (v.text == "PASS")
          type = v.text;
        else if (v.text == "AH")
          error(v.where, "unsupported: auth_type AH (IPsec AH, RFC 2402): use PASS, or remove the "
                         "authentication block (RFC 3768 dropped authentication)");
        else
          error(v.where, "auth_type must be PASS or AH, got " + quoted(v.text));
      } else {
        passGiven = true;
        if (v.text.empty())
          error(v.where, "auth_pass must not be empty");
        else if (v.text.size() > kMaxPasswordBytes)
          error(v.where, "auth_pass is " + std::to_string(v.text.size()) +
                             " bytes; VRRPv2 carries at most 8 (keepalived would silently use only the first 8)");
        else
          pass = v.text;
      }
    });
    if (!typeGiven) error(s.where(), "authentication block has no auth_type");
    if (!passGiven) error(s.where(), "authentication block has no auth_pass");
    if (type && pass) inst.authentication = Authentication{AuthType::Pass, *pass, s.where()};
  }

  void virtualIps(Statement& s, VrrpInstance& inst) {
    noArgs(s);
    if (!openBlock(s)) return;
    block(s, [&](Statement& e) {
      noBlock(e);
      ++vipEntries_;
      const Token& addr = *e.keyword;
      if (addr.text.find(':') != std::string::npos) {
        error(addr.where, "unsupported: IPv6 address " + quoted(addr.text) + " (VRRPv2 is IPv4 only)");
        return;
      }
      auto prefix = net::Ipv4Prefix::parse(addr.text);
      if (!prefix) {
        error(addr.where, "virtual_ipaddress: expected ADDR or ADDR/LEN, got " + quoted(addr.text));
        return;
      }
      if (prefix->address.isMulticast() || prefix->address.isUnspecified()) {
        error(addr.where, "virtual_ipaddress: " + addr.text + " cannot be a virtual address");
        return;
      }
      VirtualIp vip{*prefix, std::nullopt, std::nullopt, addr.where};
      for (std::size_t i = 0; i < e.args.size(); ++i) {
        const Token& opt = *e.args[i];
        if (opt.text == "dev" || opt.text == "label") {
          if (i + 1 >= e.args.size()) {
            error(opt.where, quoted(opt.text) + " needs a value");
            return;
          }
          const Token& value = *e.args[++i];
          auto& field = opt.text == "dev" ? vip.device : vip.label;
          if (field) {
            error(opt.where, "duplicate " + quoted(opt.text));
            return;
          }
          if (value.text.empty() || value.text.size() > kMaxIfNameBytes) {
            error(value.where, quoted(opt.text) + " must be 1..15 bytes, got " + quoted(value.text));
            return;
          }
          field = value.text;
        } else if (isUnsupported(Block::VirtualIpOption, opt.text)) {
          error(opt.where, "unsupported: " + opt.text);
          return;
        } else {
          error(opt.where, "unknown virtual_ipaddress option " + quoted(opt.text) + " (havip knows dev and label)");
          return;
        }
      }
      // keepalived warns and keeps the first; so does havip (its sample repeats
      // an address to show the label option).
      for (const auto& other : inst.virtualIps)
        if (other.prefix.address == vip.prefix.address) {
          warning(addr.where, "duplicate virtual address " + vip.prefix.address.toString() + " ignored: the first (" +
                                  other.where.toString() + ") is kept, as keepalived does");
          return;
        }
      inst.virtualIps.push_back(std::move(vip));
    });
  }

  // NAME [weight W [reverse|noreverse|no_reverse]]
  bool trackWeight(const Statement& e, std::optional<int>& weight, std::optional<bool>& reverse) {
    if (e.args.empty()) return true;
    if (e.args[0]->text != "weight") {
      error(e.args[0]->where, "expected 'weight W' after " + quoted(e.kw()) + ", got " + quoted(e.args[0]->text));
      return false;
    }
    if (e.args.size() < 2) {
      error(e.args[0]->where, "'weight' needs a value");
      return false;
    }
    auto w = integer(*e.args[1], "weight", -253, 253);
    if (!w) return false;
    weight = static_cast<int>(*w);
    if (e.args.size() >= 3) {
      const std::string& r = e.args[2]->text;
      if (r == "reverse")
        reverse = true;
      else if (r == "noreverse" || r == "no_reverse")
        reverse = false;
      else {
        error(e.args[2]->where, "expected reverse or noreverse, got " + quoted(r));
        return false;
      }
    }
    if (e.args.size() > 3) {
      error(e.args[3]->where, "unexpected " + quoted(e.args[3]->text));
      return false;
    }
    return true;
  }

  void trackScripts(Statement& s, VrrpInstance& inst) {
    noArgs(s);
    if (!openBlock(s)) return;
    block(s, [&](Statement& e) {
      noBlock(e);
      TrackScript t{e.kw(), std::nullopt, false, e.where()};
      std::optional<bool> reverse;
      if (!trackWeight(e, t.weight, reverse)) return;
      for (const auto& other : inst.trackScripts)
        if (other.name == t.name) {
          error(e.where(), "duplicate track_script " + quoted(t.name));
          return;
        }
      // Unwritten, it is the tracker's own; validate() fills it in once every
      // tracker is known (they may be defined later in the file).
      t.reverse = reverse.value_or(false);
      reverseWritten_.push_back(reverse.has_value());
      inst.trackScripts.push_back(std::move(t));
    });
  }

  void trackInterfaces(Statement& s, VrrpInstance& inst) {
    noArgs(s);
    if (!openBlock(s)) return;
    block(s, [&](Statement& e) {
      noBlock(e);
      std::optional<int> weight;
      std::optional<bool> reverse;
      TrackInterface t{e.kw(), 0, false, e.where()};
      if (t.name.size() > kMaxIfNameBytes) {
        error(e.where(), "track_interface: " + quoted(t.name) + " is not a valid interface name");
        return;
      }
      if (!trackWeight(e, weight, reverse)) return;
      t.weight = weight.value_or(0);
      t.reverse = reverse.value_or(false);
      for (const auto& other : inst.trackInterfaces)
        if (other.name == t.name) {
          error(e.where(), "duplicate track_interface " + quoted(t.name));
          return;
        }
      inst.trackInterfaces.push_back(std::move(t));
    });
  }

  // ---- virtual_server ----
  // Values settable at virtual_server, real_server and checker level.
  bool checkDefault(const Statement& e, CheckDefaults& d, Seen& seen) {
    const std::string& kw = e.kw();
    if (kw != "connect_timeout" && kw != "retry" && kw != "nb_get_retry" && kw != "delay_before_retry" &&
        kw != "delay_loop")
      return false;
    noBlock(e);
    if (!seen.first(e, diags_) || !argCount(e, 1, 1)) return true;
    const Token& v = *e.args[0];
    if (kw == "connect_timeout") {
      if (auto t = seconds(v, kw, Millis(1), Millis(3'600'000))) d.connectTimeout = *t;
    } else if (kw == "retry" || kw == "nb_get_retry") {
      if (d.retry) {
        error(e.where(), "retry given twice (retry and nb_get_retry are the same setting)");
      } else if (auto r = integer(v, kw, 0, 1000)) {
        d.retry = unsigned(*r);
      }
    } else if (kw == "delay_before_retry") {
      if (auto t = seconds(v, kw, Millis(0), Millis(86'400'000))) d.delayBeforeRetry = *t;
    } else {
      if (auto t = seconds(v, kw, Millis(1), Millis(86'400'000))) d.delayLoop = *t;
    }
    return true;
  }

  void virtualServer(Statement& s) {
    VirtualServer vs;
    vs.where = s.where();
    bool headerOk = virtualServerHeader(s, vs);
    if (!openBlock(s)) return;
    Seen seen;
    CheckDefaults defaults;
    std::optional<bool> inhibit;
    std::optional<unsigned> defaultWeight;
    std::optional<SourceLocation> protocolAt, schedulerAt;
    std::vector<PendingRealServer> reals;
    block(s, [&](Statement& e) {
      const std::string& kw = e.kw();
      if (kw == "real_server") {
        realServer(e, reals);
        return;
      }
      if (checkDefault(e, defaults, seen)) return;
      static const std::set<std::string, std::less<>> kSimple = {
          "lb_algo",  "lvs_sched",          "lb_kind",    "lvs_method", "protocol", "persistence_timeout",
          "inhibit_on_failure", "smtp_alert", "weight"};
      if (!kSimple.count(kw)) {
        unknown(e, Block::VirtualServer);
        return;
      }
      noBlock(e);
      if (!seen.first(e, diags_)) return;
      if ((kw == "lb_algo" || kw == "lvs_sched") && argCount(e, 1, 1)) {
        if (schedulerAt) {
          error(e.where(), "scheduler given twice (lb_algo and lvs_sched are the same setting)");
          return;
        }
        schedulerAt = e.where();
        const std::string& v = e.args[0]->text;
        if (std::find(kSchedulers.begin(), kSchedulers.end(), v) == kSchedulers.end())
          error(e.args[0]->where, "unknown scheduler " + quoted(v) + " (rr wrr lc wlc lblc sh mh dh fo ovf lblcr sed nq twos)");
        else
          vs.scheduler = v;
      } else if (kw == "lb_kind" || kw == "lvs_method") {
        if (!argCount(e, 1, 1)) {
          return;
        }
        choice(*e.args[0], kw,
               {{"NAT", ForwardingMethod::Nat}, {"DR", ForwardingMethod::DirectRouting},
                {"TUN", ForwardingMethod::Tunnel}},
               vs.forwarding);
      } else if (kw == "protocol" && argCount(e, 1, 1)) {
        protocolAt = e.where();
        std::string v = e.args[0]->text;
        std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return char(std::toupper(c)); });
        if (v == "TCP")
          vs.protocol = Protocol::Tcp;
        else if (v == "UDP")
          vs.protocol = Protocol::Udp;
        else if (v == "SCTP")
          error(e.args[0]->where, "unsupported: protocol SCTP");
        else
          error(e.args[0]->where, "protocol must be TCP or UDP, got " + quoted(e.args[0]->text));
      } else if (kw == "persistence_timeout" && argCount(e, 0, 1)) {
        if (e.args.empty())
          vs.persistenceTimeout = kDefaultPersistence;
        // IPVS silently wraps longer timeouts (kernel 6.1: UINT_MAX reads back as
        // 17179868 s); ipvsadm and keepalived cap it at 31 days too.
        else if (auto v = integer(*e.args[0], kw, 1, 2678400))
          vs.persistenceTimeout = Seconds(*v);
      } else if (kw == "inhibit_on_failure") {
        if (auto v = optionalBool(e)) inhibit = *v;
      } else if (kw == "smtp_alert") {
        if (auto v = optionalBool(e)) vs.smtpAlert = *v;
      } else if (kw == "weight" && argCount(e, 1, 1)) {
        if (auto v = integer(*e.args[0], kw, 0, 65535)) defaultWeight = unsigned(*v);
      }
    });
    if (!headerOk) return;

    const std::string name = vs.name();
    // keepalived ignores it too: the mark, not a protocol, selects the packets.
    if (vs.fwmark && protocolAt)
      warning(*protocolAt, "virtual_server " + name + ": protocol is ignored for a fwmark service (keepalived ignores it too)");
    if (!vs.fwmark && !protocolAt)
      error(vs.where, "virtual_server " + name.substr(0, name.rfind(' ')) +
                          " has no 'protocol' (keepalived would silently use UDP): add protocol TCP or protocol UDP");
    if (!schedulerAt)
      warning(vs.where, "virtual_server " + name + " has no lb_algo/lvs_sched: using wlc, keepalived's default");
    if (!vs.fwmark && vs.port == 0 && !vs.persistenceTimeout)
      error(vs.where, "virtual_server " + name + ": port 0 is only valid with persistence_timeout");
    vs.delayLoop = defaults.delayLoop.value_or(vs.delayLoop);

    for (auto& p : reals) {
      RealServer& rs = p.server;
      rs.inhibitOnFailure = p.inhibit.value_or(inhibit.value_or(false));
      if (defaultWeight && !p.weightGiven) rs.weight = *defaultWeight;
      if (!vs.fwmark && !p.portGiven) rs.port = vs.port;
      if (!vs.fwmark && p.portGiven && rs.port != vs.port && vs.forwarding != ForwardingMethod::Nat)
        error(rs.where, "real_server port " + std::to_string(rs.port) + " differs from the service port " +
                            std::to_string(vs.port) + ": only NAT can change ports");
      bool duplicate = false;
      for (const auto& other : vs.realServers)
        if (other.address == rs.address && other.port == rs.port) {
          error(rs.where, "duplicate real_server " + rs.address.toString() + ":" + std::to_string(rs.port) +
                              " (first at " + other.where.toString() + ")");
          duplicate = true;
        }
      for (auto& pc : p.checks) {
        HealthCheck& c = pc.check;
        auto pick = [&](auto CheckDefaults::*field, auto fallback) {
          if (pc.own.*field) return *(pc.own.*field);
          if (p.own.*field) return *(p.own.*field);
          if (defaults.*field) return *(defaults.*field);
          return fallback;
        };
        c.connectTimeout = pick(&CheckDefaults::connectTimeout, c.connectTimeout);
        c.retry = pick(&CheckDefaults::retry, c.retry);
        c.delayLoop = pick(&CheckDefaults::delayLoop, c.delayLoop);
        c.delayBeforeRetry = pick(&CheckDefaults::delayBeforeRetry,
                                  c.type == CheckType::Http ? kHttpDelayBeforeRetry : kTcpDelayBeforeRetry);
        rs.checks.push_back(std::move(c));
      }
      if (!duplicate) vs.realServers.push_back(std::move(rs));
    }
    config_.virtualServers.push_back(std::move(vs));
  }

  bool virtualServerHeader(const Statement& s, VirtualServer& vs) {
    if (!argCount(s, 1, 2)) return false;
    const Token& first = *s.args[0];
    if (first.text == "group") {
      error(first.where, "unsupported: virtual_server group");
      return false;
    }
    if (first.text == "fwmark") {
      if (s.args.size() != 2) {
        error(first.where, "'fwmark' needs a value");
        return false;
      }
      auto mark = integer(*s.args[1], "fwmark", 1, 4294967295LL);
      if (!mark) return false;
      vs.fwmark = std::uint32_t(*mark);
      return true;
    }
    auto addr = ipv4(first, "virtual_server");
    if (!addr) return false;
    vs.address = *addr;
    if (s.args.size() == 2) {
      auto port = integer(*s.args[1], "virtual_server port", 0, 65535);
      if (!port) return false;
      vs.port = std::uint16_t(*port);
    }
    return true;
  }

  void realServer(Statement& s, std::vector<PendingRealServer>& reals) {
    PendingRealServer p;
    p.server.where = s.where();
    bool ok = argCount(s, 1, 2);
    if (ok) {
      auto addr = ipv4(*s.args[0], "real_server");
      ok = addr.has_value();
      if (addr) p.server.address = *addr;
      if (ok && s.args.size() == 2) {
        auto port = integer(*s.args[1], "real_server port", 0, 65535);
        ok = port.has_value();
        if (port) {
          p.server.port = std::uint16_t(*port);
          p.portGiven = *port != 0;
        }
      }
    }
    if (!openBlock(s)) {
      if (ok) reals.push_back(std::move(p));
      return;
    }
    Seen seen;
    block(s, [&](Statement& e) {
      const std::string& kw = e.kw();
      if (kw == "TCP_CHECK" || kw == "HTTP_GET") {
        checker(e, p.checks);
        return;
      }
      if (checkDefault(e, p.own, seen)) return;
      static const std::set<std::string, std::less<>> kSimple = {"weight", "inhibit_on_failure", "uthreshold",
                                                                 "lthreshold", "smtp_alert"};
      if (!kSimple.count(kw)) {
        unknown(e, Block::RealServer);
        return;
      }
      noBlock(e);
      if (!seen.first(e, diags_)) return;
      if (kw == "weight" && argCount(e, 1, 1)) {
        p.weightGiven = true;
        if (auto v = integer(*e.args[0], kw, 0, 65535)) p.server.weight = unsigned(*v);
      } else if (kw == "inhibit_on_failure") {
        if (auto v = optionalBool(e)) p.inhibit = *v;
      } else if ((kw == "uthreshold" || kw == "lthreshold") && argCount(e, 1, 1)) {
        if (auto v = integer(*e.args[0], kw, 0, 4294967295LL))
          (kw == "uthreshold" ? p.server.upperThreshold : p.server.lowerThreshold) = std::uint32_t(*v);
      } else if (kw == "smtp_alert") {
        if (auto v = optionalBool(e)) p.server.smtpAlert = *v;
      }
    });
    if (!ok) return;
    reals.push_back(std::move(p));
  }

  void checker(Statement& s, std::vector<PendingCheck>& checks) {
    PendingCheck pc;
    pc.check.type = s.kw() == "HTTP_GET" ? CheckType::Http : CheckType::Tcp;
    pc.check.where = s.where();
    noArgs(s);
    if (!openBlock(s)) return;
    Seen seen;
    block(s, [&](Statement& e) {
      const std::string& kw = e.kw();
      if (checkDefault(e, pc.own, seen)) return;
      if (kw == "url") {
        if (pc.check.type != CheckType::Http) {
          error(e.where(), "'url' belongs in HTTP_GET, not TCP_CHECK");
          unknownBlockSkip(e);
          return;
        }
        url(e, pc.check);
        return;
      }
      if (kw != "connect_port" && kw != "connect_ip") {
        unknown(e, Block::Checker);
        return;
      }
      noBlock(e);
      if (!seen.first(e, diags_) || !argCount(e, 1, 1)) return;
      if (kw == "connect_port") {
        if (auto v = integer(*e.args[0], kw, 1, 65535)) pc.check.connectPort = std::uint16_t(*v);
      } else if (auto a = ipv4(*e.args[0], kw)) {
        pc.check.connectIp = *a;
      }
    });
    if (pc.check.type == CheckType::Http && pc.check.urls.empty())
      error(s.where(), "HTTP_GET has no url { path ... }");
    checks.push_back(std::move(pc));
  }

  void url(Statement& s, HealthCheck& check) {
    noArgs(s);
    if (!openBlock(s)) return;
    HttpUrl u;
    u.where = s.where();
    Seen seen;
    bool pathGiven = false;
    block(s, [&](Statement& e) {
      const std::string& kw = e.kw();
      if (kw != "path" && kw != "digest" && kw != "status_code") {
        unknown(e, Block::Url);
        return;
      }
      noBlock(e);
      if (!seen.first(e, diags_)) return;
      if (kw == "path") {
        pathGiven = true;
        if (auto v = oneWord(e)) {
          if (v->front() != '/')
            error(e.args[0]->where, "path must start with '/', got " + quoted(*v));
          else
            u.path = *v;
        }
      } else if (kw == "digest") {
        if (!argCount(e, 1, 1)) return;
        std::string d = e.args[0]->text;
        std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        bool hex = d.size() == 32 && std::all_of(d.begin(), d.end(), [](char c) {
                     return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                   });
        if (!hex)
          error(e.args[0]->where, "digest must be 32 hex digits (an MD5 sum, as genhash prints), got " +
                                      quoted(e.args[0]->text));
        else
          u.digest = d;
      } else if (argCount(e, 1, SIZE_MAX)) {
        for (const Token* t : e.args) {
          auto dash = t->text.find('-');
          auto lo = parseInteger(std::string_view(t->text).substr(0, dash));
          auto hi = dash == std::string::npos ? lo : parseInteger(std::string_view(t->text).substr(dash + 1));
          if (!lo || !hi || *lo < 100 || *hi > 599 || *lo > *hi) {
            error(t->where, "status_code must be a code or range within 100..599 (like 200 or 200-299), got " +
                                quoted(t->text));
            continue;
          }
          u.statusCodes.push_back({std::uint16_t(*lo), std::uint16_t(*hi)});
        }
      }
    });
    if (!pathGiven) error(u.where, "url has no path");
    if (u.path.empty()) return;
    if (u.statusCodes.empty()) u.statusCodes.push_back({200, 299});
    check.urls.push_back(std::move(u));
  }

  // ---- whole-configuration checks ----
  void validate() {
    // global_defs may come after the instances, so its GARP defaults land here.
    for (auto& inst : config_.vrrpInstances) {
      if (config_.globalDefs.garpMasterDelay && !ownGarpDelay_.count(inst.name))
        inst.garpMasterDelay = *config_.globalDefs.garpMasterDelay;
      if (config_.globalDefs.garpMasterRepeat && !ownGarpRepeat_.count(inst.name))
        inst.garpMasterRepeat = *config_.globalDefs.garpMasterRepeat;
    }
    std::map<std::string, const VrrpScript*> scripts;
    for (const auto& s : config_.vrrpScripts) {
      auto [it, inserted] = scripts.emplace(s.name, &s);
      if (!inserted)
        error(s.where, "duplicate vrrp_script " + quoted(s.name) + " (first at " + it->second->where.toString() + ")");
    }
    // vrrp_script and track_memory share one namespace: track_script names either.
    std::map<std::string, const TrackMemory*> memories;
    for (const auto& m : config_.trackMemories) {
      if (auto sc = scripts.find(m.name); sc != scripts.end()) {
        error(m.where, "track_memory " + quoted(m.name) + " has the name of a vrrp_script (" +
                           sc->second->where.toString() + "): track_script could not tell them apart");
        continue;
      }
      auto [it, inserted] = memories.emplace(m.name, &m);
      if (!inserted)
        error(m.where, "duplicate track_memory " + quoted(m.name) + " (first at " + it->second->where.toString() + ")");
    }
    std::map<std::string, const VrrpInstance*> names;
    std::map<std::pair<std::string, int>, const VrrpInstance*> vrids;
    std::map<std::uint32_t, const VrrpInstance*> vips;
    for (std::size_t i = 0; i < config_.vrrpInstances.size(); ++i) {
      VrrpInstance& inst = config_.vrrpInstances[i];
      for (std::size_t t = 0; t < inst.trackScripts.size(); ++t) {
        TrackScript& track = inst.trackScripts[t];
        if (instanceReverseWritten_[i][t]) continue;
        if (auto sc = scripts.find(track.name); sc != scripts.end())
          track.reverse = sc->second->weightReverse;
        else if (auto m = memories.find(track.name); m != memories.end())
          track.reverse = m->second->weightReverse;
      }
    }
    for (const auto& inst : config_.vrrpInstances) {
      auto [it, inserted] = names.emplace(inst.name, &inst);
      if (!inserted)
        error(inst.where, "duplicate vrrp_instance " + quoted(inst.name) + " (first at " + it->second->where.toString() + ")");
      if (!inst.interface.empty() && inst.virtualRouterId != 0) {
        auto [v, fresh] = vrids.emplace(std::pair{inst.interface, int(inst.virtualRouterId)}, &inst);
        if (!fresh)
          error(vridLocation_[inst.name], "virtual_router_id " + std::to_string(inst.virtualRouterId) +
                                               " is already used on " + inst.interface + " by vrrp_instance " +
                                               quoted(v->second->name) + " (" + v->second->where.toString() + ")");
      }
      for (const auto& vip : inst.virtualIps) {
        auto [v, fresh] = vips.emplace(vip.prefix.address.toHostOrder(), &inst);
        if (!fresh && v->second != &inst)
          error(vip.where, "virtual address " + vip.prefix.address.toString() + " is also in vrrp_instance " +
                               quoted(v->second->name));
      }
      for (const auto& t : inst.trackScripts)
        if (!scripts.count(t.name) && !memories.count(t.name))
          error(t.where, "track_script " + quoted(t.name) + " names no vrrp_script or track_memory");
      if (inst.initialState == InitialState::Master && inst.nopreempt)
        warning(inst.where, "vrrp_instance " + quoted(inst.name) +
                                ": nopreempt has no effect with state MASTER (keepalived clears it too); use state "
                                "BACKUP on every router");
      if (inst.initialState == InitialState::Master && inst.preemptDelay.count() > 0)
        warning(inst.where, "vrrp_instance " + quoted(inst.name) +
                                ": preempt_delay has no effect with state MASTER (keepalived clears it too)");
      // keepalived accepts mail asked for without a server or recipient and
      // sends none; so does havip (Config::mailFor), saying so.
      MailSettings mail = config_.mailFor(inst);
      bool asked = inst.smtpAlert.value_or(
          config_.globalDefs.smtpAlert.value_or(!inst.mail.notificationEmail.empty()));
      if (asked && mail.recipients.empty() && emailRefused_ == 0)
        warning(inst.where, "vrrp_instance " + quoted(inst.name) +
                                " sends no mail: smtp_alert is on but no notification_email lists a recipient");
      else if (asked && !mail.server && smtpServerRefused_ == 0)
        warning(inst.where, "vrrp_instance " + quoted(inst.name) +
                                " sends no mail: smtp_alert is on but no smtp_server is set (global_defs or instance)");
    }
    std::set<std::string> services;
    for (const auto& vs : config_.virtualServers)
      if (!services.insert(vs.name()).second) error(vs.where, "duplicate virtual_server " + vs.name());
    validateSyncGroups();
  }

  const std::vector<Token>& toks_;
  std::size_t pos_ = 0;
  Diagnostics& diags_;
  Config config_;
  Seen globalSeen_;
  std::set<std::string> ownGarpDelay_, ownGarpRepeat_;  // instances that set garp_master_*
  std::map<std::string, SourceLocation> vridLocation_;
  std::size_t vipEntries_ = 0;  // of the instance being parsed, valid or not
  // Per track_script entry: was reverse|noreverse written? For the instance
  // being parsed, then per stored instance (parallel to config_.vrrpInstances).
  std::vector<bool> reverseWritten_;
  std::vector<std::vector<bool>> instanceReverseWritten_;
  // Refusals that later checks must not report again as a missing setting
  // ("no recipient" after the recipient was refused): one mistake, one error.
  unsigned emailRefused_ = 0;
  unsigned refusedStatements_ = 0;  // by unknown(): unknown or unsupported keywords
  unsigned smtpServerRefused_ = 0;
  struct PendingSyncGroup {
    SyncGroup group;
    std::optional<SourceLocation> groupAt;  // of its group { } block
    std::vector<const Token*> members;      // as written
    std::vector<bool> reverseWritten;       // per group track_script entry
  };
  std::vector<PendingSyncGroup> syncGroups_;
};

LoadResult finish(const std::vector<Token>& tokens, Diagnostics& diags) {
  Parser parser(tokens, diags);
  Config config = parser.run();
  if (diags.hasErrors()) return tl::unexpected(std::move(diags));
  return Loaded{std::make_shared<const Config>(std::move(config)), std::move(diags.warnings)};
}

}  // namespace

LoadResult loadFile(const std::string& path, const ParseOptions& options) {
  Diagnostics diags;
  auto text = detail::readWholeFile(path);
  if (!text) {
    diags.error({path, 0, 0}, "cannot read: " + text.error().message());
    return tl::unexpected(std::move(diags));
  }
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  char resolved[PATH_MAX];
  std::string canonical = ::realpath(path.c_str(), resolved) ? resolved : path;
  auto tokens = detail::loadTokens(*text, path, canonical, dir, options, diags);
  return finish(tokens, diags);
}

LoadResult parseString(std::string_view text, const std::string& name, const ParseOptions& options) {
  Diagnostics diags;
  std::string dir = options.baseDirectory.empty() ? "." : options.baseDirectory;
  auto tokens = detail::loadTokens(text, name, "", dir, options, diags);
  return finish(tokens, diags);
}

}  // namespace havip::config
