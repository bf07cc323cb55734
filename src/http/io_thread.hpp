#pragma once
// The HTTP server's I/O threads, as a seam for clients that want their sockets on the server's io_context (the
// upstream client: a relayed answer then never crosses threads). Only a forward declaration of Asio here.
//
// - current_io_context(): the io_context of the HTTP server whose I/O thread calls it; nullptr on any other thread
//   (and on a server thread once its run() has returned).
// - at_io_stop(f): on a server I/O thread, registers `f` to run once that server's I/O threads have all stopped,
//   before its io_context is destroyed (on the thread that called Server::run, or in ~Server). Objects bound to
//   the io_context (sockets, timers) must be destroyed by then. Returns false (and keeps nothing) off such a thread.
//   run() returns only when no work is left, so at that point no asynchronous operation is pending.
#include <functional>

namespace boost::asio {
class io_context;
}

namespace sovra::http {

boost::asio::io_context* current_io_context();
bool at_io_stop(std::function<void()> f);

}  // namespace sovra::http
