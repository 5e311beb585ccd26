/*
 * Vendor commands of the software-initiator plugin (libima_plugin_soft.so), sent with
 *
 *     IMA_PluginIOCtl(pluginOid, command, &input, sizeof input, &output, &outputLength)
 *
 * where pluginOid is the plugin's OID (IMA_GetPluginOidList / IMA_GetAssociatedPluginOid).
 * The input buffer must be exactly the size of the command's input structure; the output
 * length must be at least the size of its output structure on entry and is set to that
 * size on success. A size that does not match, a reserved field that is not zero or a
 * boolean other than IMA_TRUE/IMA_FALSE is IMA_ERROR_INVALID_PARAMETER; an unknown command
 * is IMA_ERROR_NOT_SUPPORTED. Include after ima.h. See docs/plugin.md.
 */
#ifndef IMA_PLUGIN_SOFT_H
#define IMA_PLUGIN_SOFT_H

#include "ima.h"

/* Log in to a target and keep it logged in (re-logged in when its session fails) whatever
 * the automatic login switches say; lifts a hold set by LOGOUT.
 * In: IMA_SOFT_TARGET. Out: IMA_SOFT_SESSION (the session's OID).
 * Login failures: IMA_ERROR_LOGIN_REJECTED (refused, authentication) or
 * IMA_ERROR_TARGET_TIMEOUT. */
#define IMA_SOFT_IOCTL_LOGIN 0x49530001u

/* Log out of a target's session and hold it out: no automatic or on-demand login until
 * LOGIN. In: IMA_SOFT_TARGET. Out: IMA_SOFT_COUNT (sessions closed, 0 or 1). */
#define IMA_SOFT_IOCTL_LOGOUT 0x49530002u

/* The automatic login switches. In: IMA_SOFT_COUNT (value 0). Out: IMA_SOFT_AUTO_LOGIN. */
#define IMA_SOFT_IOCTL_GET_AUTO_LOGIN 0x49530003u

/* Set the automatic login switches (persisted). Turning one off keeps the open sessions.
 * In: IMA_SOFT_AUTO_LOGIN. Out: IMA_SOFT_COUNT (value 0). */
#define IMA_SOFT_IOCTL_SET_AUTO_LOGIN 0x49530004u

/* Run discovery and the automatic logins now, and wait for them (and for any pass the
 * plugin's own thread had started). In: IMA_SOFT_COUNT (value 0). Out: IMA_SOFT_RESCAN. */
#define IMA_SOFT_IOCTL_RESCAN 0x49530005u

/* The socket addresses of a session's connection.
 * In: IMA_SOFT_SESSION. Out: IMA_SOFT_ADDRESSES. */
#define IMA_SOFT_IOCTL_SESSION_ADDRESSES 0x49530006u

/* The full NBD URI of an exposed LU (IMA_ExposeLu), which IMA_LU_PROPERTIES.osDeviceName
 * holds only when it fits 63 characters. In: IMA_SOFT_LU. Out: IMA_SOFT_EXPORT_URI.
 * An LU that is not exposed: IMA_ERROR_LU_NOT_EXPOSED. */
#define IMA_SOFT_IOCTL_EXPORT_URI 0x49530007u

/* Longest URI, NUL included. */
#define IMA_SOFT_URI_LEN 16384

typedef struct _IMA_SOFT_LU {
    IMA_OID luOid;
} IMA_SOFT_LU;

typedef struct _IMA_SOFT_EXPORT_URI {
    char uri[IMA_SOFT_URI_LEN];  /* UTF-8, NUL-terminated */
} IMA_SOFT_EXPORT_URI;

typedef struct _IMA_SOFT_TARGET {
    IMA_OID targetOid;
} IMA_SOFT_TARGET;

typedef struct _IMA_SOFT_SESSION {
    IMA_OID sessionOid;
} IMA_SOFT_SESSION;

typedef struct _IMA_SOFT_COUNT {
    IMA_UINT64 value;
} IMA_SOFT_COUNT;

typedef struct _IMA_SOFT_AUTO_LOGIN {
    /* Log in to the targets static configuration finds. Default IMA_TRUE. */
    IMA_BOOL staticTargets;
    /* Log in to the targets SendTargets finds. Default IMA_TRUE. */
    IMA_BOOL sendTargets;
} IMA_SOFT_AUTO_LOGIN;

typedef struct _IMA_SOFT_RESCAN {
    IMA_UINT64 targets;            /* targets found */
    IMA_UINT64 sessions;           /* live sessions after the pass */
    IMA_UINT64 loggedIn;           /* targets logged in to by this pass */
    IMA_UINT64 loginFailures;      /* automatic logins that failed */
    IMA_UINT64 discoveryFailures;  /* discovery addresses that did not answer */
} IMA_SOFT_RESCAN;

typedef struct _IMA_SOFT_ADDRESSES {
    IMA_BOOL localValid;
    IMA_IP_ADDRESS localAddress;
    IMA_UINT16 localPort;
    IMA_BOOL remoteValid;
    IMA_IP_ADDRESS remoteAddress;
    IMA_UINT16 remotePort;
} IMA_SOFT_ADDRESSES;

#endif /* IMA_PLUGIN_SOFT_H */
