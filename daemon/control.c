/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "alloc-util.h"
#include "control.h"
#include "log.h"

/* Only root talks to us, but a stuck client must not pin unbounded memory. */
#define CONTROL_CONNECTIONS_MAX 64

typedef struct Connection Connection;

struct ControlServer {
        sd_event *event;
        sd_event_source *listener;
        int fd;
        char *path;
        const ControlHandlers *handlers;
        void *userdata;
        Connection *connections;
        unsigned n_connections;
};

struct Connection {
        ControlServer *server;
        sd_event_source *source;
        int fd;
        bool waiting;
        bool refused;  /* not root: every request is answered "permission denied" */
        pid_t pid;     /* the peer's, 0 if not known (another pid namespace) */
        Connection *next;
};

static void connection_free(Connection *c) {
        ControlServer *s = c->server;

        for (Connection **i = &s->connections; *i; i = &(*i)->next)
                if (*i == c) {
                        *i = c->next;
                        break;
                }
        s->n_connections--;
        sd_event_source_disable_unref(c->source);
        close(c->fd);
        free(c);
}

static void reply_raw(int fd, const char *text) {
        /* A reply that cannot be sent (the client left) changes nothing here. */
        (void) send(fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void reply_error(int fd, const char *message) {
        char buf[CONTROL_REPLY_MAX];

        snprintf(buf, sizeof(buf), CONTROL_KEY_RESULT "=" CONTROL_RESULT_ERROR "\n" CONTROL_KEY_MESSAGE "=%s\n", message);
        reply_raw(fd, buf);
}

static void reply_status(Connection *c) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f) {
                reply_error(c->fd, "out of memory");
                return;
        }
        fputs(CONTROL_REPLY_OK, f);
        c->server->handlers->status(c->server->userdata, f);
        if (fclose(f) != 0 || size > CONTROL_REPLY_MAX) {
                reply_error(c->fd, "status does not fit in a reply");
                return;
        }
        reply_raw(c->fd, buf);
}

static int on_connection(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        Connection *c = userdata;
        ControlServer *s = c->server;
        char buf[CONTROL_REQUEST_MAX + 1];
        ControlCommand cmd;
        Error e = {};
        ssize_t n;
        int r;

        /* Read before looking at EPOLLHUP: a client that sends a request and closes at once
         * arrives as IN|HUP, and its request still counts. recv() returns 0 only once every
         * queued message was read. */
        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR) && !(revents & (EPOLLHUP | EPOLLERR)))
                return 0;
        if (n <= 0) {
                connection_free(c);
                return 0;
        }

        /* Answered, not closed: closing with the request unread would make the kernel reset the
         * connection, and the client would lose the reply. */
        if (c->refused) {
                reply_error(fd, CONTROL_MESSAGE_PERMISSION_DENIED);
                return 0;
        }

        /* MSG_TRUNC makes recv() return the whole message's length, so an oversized request
         * shows as such instead of as its first bytes. */
        if ((size_t) n > CONTROL_REQUEST_MAX)
                r = error_set(&e, -EBADMSG, "request of %zd bytes is larger than %d", n, CONTROL_REQUEST_MAX);
        else
                r = control_request_parse(buf, (size_t) n, &cmd, &e);
        if (r < 0) {
                log_warning("Control request rejected: %s", error_message(&e, r));
                reply_error(fd, error_message(&e, r));
                return 0;
        }

        switch (cmd) {
        case CONTROL_STATUS:
                reply_status(c);
                break;
        case CONTROL_RELOAD:
                log_info("Reload requested over the control socket.");
                s->handlers->reload(s->userdata);
                reply_raw(fd, CONTROL_REPLY_OK);
                break;
        case CONTROL_WAIT:
                c->waiting = true;
                s->handlers->wait_begin(s->userdata);
                control_server_notify(s);
                break;
        default:
                assert_not_reached();
        }
        return 0;
}

/* Whether the peer is root; its pid in *ret_pid. */
static bool peer_is_root(int fd, pid_t *ret_pid) {
        struct ucred cred;
        socklen_t l = sizeof(cred);

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &l) < 0)
                return false;
        *ret_pid = cred.pid;
        return cred.uid == 0;
}

static int on_accept(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        ControlServer *s = userdata;
        Connection *c;
        int cfd, r;

        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
                return 0;

        if (s->n_connections >= CONTROL_CONNECTIONS_MAX) {
                reply_error(cfd, "too many connections");
                close(cfd);
                return 0;
        }

        c = calloc(1, sizeof(*c));
        if (!c) {
                close(cfd);
                return 0;
        }
        c->server = s;
        c->fd = cfd;
        /* The socket's mode already keeps others out; the credentials check is the second lock. */
        c->refused = !peer_is_root(cfd, &c->pid);
        r = sd_event_add_io(s->event, &c->source, cfd, EPOLLIN, on_connection, c);
        if (r < 0) {
                close(cfd);
                free(c);
                return 0;
        }
        c->next = s->connections;
        s->connections = c;
        s->n_connections++;
        return 0;
}

void control_server_notify(ControlServer *s) {
        bool done;

        if (!s || !s->connections)
                return;
        done = s->handlers->wait_done(s->userdata);
        if (!done)
                return;
        for (Connection *c = s->connections; c; c = c->next)
                if (c->waiting) {
                        c->waiting = false;
                        reply_raw(c->fd, CONTROL_REPLY_OK);
                }
}

pid_t control_server_find_waiter(const ControlServer *s, bool (*match)(pid_t pid, void *userdata), void *userdata) {
        if (!s)
                return 0;
        for (const Connection *c = s->connections; c; c = c->next)
                if (c->waiting && c->pid > 0 && match(c->pid, userdata))
                        return c->pid;
        return 0;
}

int control_server_new(sd_event *event, const char *path, const ControlHandlers *handlers, void *userdata,
                       ControlServer **ret, Error *e) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        ControlServer *s;
        mode_t old_umask;
        int r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return error_set(e, -ENAMETOOLONG, "Control socket path %s is too long", path);
        strcpy(sa.sun_path, path);

        s = calloc(1, sizeof(*s));
        if (!s)
                return error_set(e, -ENOMEM, "Out of memory");
        s->event = event;
        s->handlers = handlers;
        s->userdata = userdata;
        s->path = strdup(path);
        s->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (!s->path || s->fd < 0) {
                r = error_set(e, s->fd < 0 ? negative_errno() : -ENOMEM, "Cannot create the control socket: %m");
                goto fail;
        }

        /* A stale socket from an earlier run would make bind() fail. */
        (void) unlink(path);
        /* Created 0600 from the start: there is no moment when others could connect. */
        old_umask = umask(0077);
        r = bind(s->fd, (struct sockaddr *) &sa, sizeof(sa));
        umask(old_umask);
        if (r < 0 || listen(s->fd, 16) < 0) {
                r = error_set(e, negative_errno(), "Cannot listen on %s: %m", path);
                goto fail;
        }

        r = sd_event_add_io(event, &s->listener, s->fd, EPOLLIN, on_accept, s);
        if (r < 0) {
                r = error_set(e, r, "Cannot watch %s: %s", path, strerror(-r));
                goto fail;
        }

        *ret = s;
        return 0;

fail:
        control_server_free(s);
        return r;
}

ControlServer *control_server_free(ControlServer *s) {
        if (!s)
                return NULL;
        while (s->connections)
                connection_free(s->connections);
        sd_event_source_disable_unref(s->listener);
        if (s->fd >= 0) {
                close(s->fd);
                (void) unlink(s->path);
        }
        free(s->path);
        free(s);
        return NULL;
}
