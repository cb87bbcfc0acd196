#include "gateway_process.h"

#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "polling.h"

namespace lc::itest {

using namespace std::chrono_literals;

std::vector<std::string> gateway_argv(const std::string& node, uint16_t port,
                                      std::vector<std::string> flags) {
  std::vector<std::string> argv = {LC_GATEWAY_BIN, "--node",      node,
                                   "--listen",     "127.0.0.1:" + std::to_string(port),
                                   "--log-level",  "debug"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

GatewayProcess::GatewayProcess(const std::string& dir, const std::string& node,
                               std::vector<std::string> flags, bool tls)
    : port_(lc::test::free_port()),
      log_path_(dir + "/gateway" + std::to_string(port_) + ".log") {
  proc_ = std::make_unique<Process>(gateway_argv(node, port_, std::move(flags)), log_path_);
  ready_ = lc::test::wait_for(
               [&] {
                 if (!proc_->running()) return true;
                 if (tls) {
                   httplib::SSLClient c("127.0.0.1", port_);
                   c.enable_server_certificate_verification(false);
                   auto res = c.Get("/livez");
                   return res && res->status == 200;
                 }
                 auto res = client()->Get("/livez");
                 return res && res->status == 200;
               },
               3s)
               .has_value() &&
           proc_->running();
}

std::string GatewayProcess::log() const {
  std::ifstream f(log_path_);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::unique_ptr<httplib::Client> GatewayProcess::client(const std::string& token) const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_connection_timeout(2, 0);
  c->set_read_timeout(2, 0);
  c->set_write_timeout(2, 0);
  if (!token.empty()) c->set_bearer_token_auth(token);
  return c;
}

TwoNodes::TwoNodes(const std::vector<std::string>& extra, const std::string& n1_flags)
    : p1(lc::test::free_port()), p2(lc::test::free_port()), http_port(lc::test::free_port()) {
  auto f1 = static_node_flags({1, "127.0.0.1", p1, {{2, p2}}, n1_flags});
  f1.insert(f1.end(), {"--mi_http", "127.0.0.1:" + std::to_string(http_port)});
  f1.insert(f1.end(), extra.begin(), extra.end());
  auto f2 = static_node_flags({1, "127.0.0.1", p2, {{1, p1}}, ""});
  f2.insert(f2.end(), extra.begin(), extra.end());
  n1 = std::make_unique<NodeProcess>(dir.path(), 1, f1);
  n2 = std::make_unique<NodeProcess>(dir.path(), 2, f2);
}

std::string TwoNodes::node_arg(const std::string& backend) const {
  return backend == "unix" ? "unix:" + n1->socket()
                           : "http://127.0.0.1:" + std::to_string(http_port) + "/mi";
}

Json body_of(const httplib::Result& res) {
  if (!res) return Json();
  auto j = Json::parse(res->body, nullptr, false);
  return j.is_discarded() ? Json() : j;
}

std::string write_file(const std::string& path, const std::string& text, unsigned mode) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

}  // namespace lc::itest
