/*
 * C client for the software HBA plugin through libima.so, against a real target. Compiled
 * by tests/hba_c_client.rs against ima-lib/include/ima.h. Every command loads the library
 * (and so the plugin) afresh: one process is one load and unload. Commands (argv[1]):
 *   add-discovery IP PORT       add a SendTargets address; prints "status=0x.. seq=N"
 *   add-many IP BASE N          add N addresses IP:BASE..BASE+N-1; prints "added=K"
 *   list-discovery              "address SEQ IP:PORT" per address, then "count=N"
 *   remove-discovery SEQ        prints "status=0x.."
 *   add-static NAME IP PORT     prints "status=0x.. seq=N"
 *   list-static                 "static SEQ NAME IP:PORT" per target, then "count=N"
 *   remove-static SEQ           prints "status=0x.."
 *   targets                     per target "target SEQ NAME flags=F", per LU
 *                               "lu TSEQ LUN vendor=V product=P blocks=B block=S"
 *   vpd83 NAME LUN              "vpd83 status=0x.. page=0x83 len=N designators=1"
 *   reportluns NAME             "reportluns status=0x.. luns=N"
 *   gone NAME LUN               INQUIRY and READ CAPACITY(16) to an LU (for one the test
 *                               removed): "inquiry status=0x.. sense_len=N key=K asc=A"
 *   sessions                    IOCtl RESCAN, then per session "session SEQ target=NAME
 *                               isid=.. tsih=.. auth=.. mbl=.. fbl=.. ir2t=.. imm=..
 *                               t2w=.. t2r=.. erl=.. maxconn=.. r2t=.. tpgt=..", per
 *                               connection "connection SEQ session=SEQ cid=.. hd=.. dd=..
 *                               mrdsl=.. mtdsl=..", "addresses SEQ local=IP:PORT
 *                               remote=IP:PORT", then "sessions=N"
 *   set-mbl NAME VALUE          IMA_SetMaxBurstLength on the target: "status=0x.."
 *   login NAME / logout NAME    IOCtl RESCAN, then LOGIN / LOGOUT: "status=0x.. value=N
 *                               sessions=N", then malformed IOCtls' statuses
 *   autologin S T               IOCtl SET_AUTO_LOGIN then GET: "status=0x.. static=S st=T"
 *   stats NAME LUN N            N INQUIRYs to the LU: deltas of the LU's and the target's
 *                               device statistics and the bytes INQUIRY returned
 *   errors NAME                 the target's error statistics
 *   stale                       IMA_RemoveStaleData: "status=0x.. before=N after=M"
 *   events-target               callbacks registered, RESCAN, "ready", wait for a line on
 *                               stdin, IMA_GetTargetOidList, wait for a new target and its
 *                               session to become visible: counts per object type
 *   events-restart              as events-target, then wait for a session property change
 *                               and a new connection (the test restarts tgtd)
 *   chap USER SECRET            the LHBA's CHAP name and secret, then CHAP as the only
 *                               method in use: "chap status=0x.. methods=0x.. name=USER
 *                               secret_len=N" (what the getter returns afterwards)
 *   local TARGET USER SECRET    the target's own CHAP credentials, enabled:
 *                               "local status=0x.."
 *   mutual TARGET USER SECRET   the name and secret TARGET must prove (mutual CHAP on):
 *                               "mutual status=0x.."
 *   header-digest TARGET D..    the target's HeaderDigest values (crc32c, none):
 *                               "digest status=0x.. values=D,.."
 *   lus TARGET                  IMA_GetLuOidList of a target (logs in):
 *                               "lus status=0x.. count=N"
 *   isns 0|1 HOST               IMA_SetIsnsDiscovery (static method; HOST an IPv4 address,
 *                               a "name:port" host name, or "-" for an all-zero one), the SLP method
 *                               (refused), then IMA_GetDiscoveryProperties: "isns
 *                               status=0x.. slp=0x.. settable=B enabled=B method=M host=H"
 *   events-scn                  as events-target, but after the line on stdin calls nothing:
 *                               waits for a target to become visible, then (after another
 *                               line) for something to go; counts after each
 * The plugin's ownerId is the one of its LHBA (the first LHBA in the list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "ima.h"
#include "ima_plugin_soft.h"

static IMA_OID lhba(void) {
    IMA_OID_LIST *list = NULL;
    IMA_STATUS st = IMA_GetLhbaOidList(&list);
    if (st != IMA_STATUS_SUCCESS || list->oidCount < 1) {
        printf("FAIL lhba list status=0x%lx\n", (unsigned long)st);
        exit(1);
    }
    IMA_OID oid = list->oids[0];
    IMA_FreeMemory(list);
    return oid;
}

static IMA_TARGET_ADDRESS address(const char *ip, int port) {
    IMA_TARGET_ADDRESS a;
    memset(&a, 0, sizeof a);
    a.hostnameIpAddress.hostnameInUse = IMA_FALSE;
    a.hostnameIpAddress.id.ipAddress.ipv4Address = IMA_TRUE;
    if (inet_pton(AF_INET, ip, a.hostnameIpAddress.id.ipAddress.ipAddress) != 1) {
        printf("FAIL bad IPv4 %s\n", ip);
        exit(2);
    }
    a.portNumber = (IMA_UINT16)port;
    return a;
}

static void print_address(const IMA_TARGET_ADDRESS *a) {
    char text[INET6_ADDRSTRLEN] = "?";
    const IMA_IP_ADDRESS *ip = &a->hostnameIpAddress.id.ipAddress;
    inet_ntop(ip->ipv4Address ? AF_INET : AF_INET6, ip->ipAddress, text, sizeof text);
    printf("%s:%u", text, (unsigned)a->portNumber);
}

static void wide_to_utf8(const IMA_WCHAR *w, char *out, size_t n) {
    size_t i = 0;
    for (; w[i] && i + 1 < n; i++) out[i] = (char)(w[i] < 128 ? w[i] : '?');
    out[i] = 0;
}

static void copy_trimmed(char *out, const unsigned char *in, size_t n) {
    memcpy(out, in, n);
    out[n] = 0;
    for (size_t i = n; i > 0 && out[i - 1] == ' '; i--) out[i - 1] = 0;
}

/* The target OID whose name is `name`, or exit. */
static IMA_OID target_named(const char *name) {
    IMA_OID_LIST *list = NULL;
    IMA_STATUS st = IMA_GetTargetOidList(lhba(), &list);
    if (st != IMA_STATUS_SUCCESS) {
        printf("FAIL target list status=0x%lx\n", (unsigned long)st);
        exit(1);
    }
    for (IMA_UINT i = 0; i < list->oidCount; i++) {
        IMA_TARGET_PROPERTIES p;
        char text[256];
        if (IMA_GetTargetProperties(list->oids[i], &p) != IMA_STATUS_SUCCESS) continue;
        wide_to_utf8(p.name, text, sizeof text);
        if (strcmp(text, name) == 0) {
            IMA_OID oid = list->oids[i];
            IMA_FreeMemory(list);
            return oid;
        }
    }
    printf("FAIL no target %s\n", name);
    exit(1);
}

static IMA_OID lu_of(const char *name, unsigned long lun) {
    IMA_OID lu;
    IMA_STATUS st = IMA_GetLuOid(target_named(name), (IMA_UINT64)lun, &lu);
    if (st != IMA_STATUS_SUCCESS) {
        printf("FAIL lu %s/%lu status=0x%lx\n", name, lun, (unsigned long)st);
        exit(1);
    }
    return lu;
}

static int targets(void) {
    IMA_OID_LIST *list = NULL;
    IMA_STATUS st = IMA_GetTargetOidList(lhba(), &list);
    printf("targets_status=0x%lx\n", (unsigned long)st);
    if (st != IMA_STATUS_SUCCESS) return 1;
    for (IMA_UINT i = 0; i < list->oidCount; i++) {
        IMA_TARGET_PROPERTIES p;
        char text[256];
        st = IMA_GetTargetProperties(list->oids[i], &p);
        if (st != IMA_STATUS_SUCCESS) {
            printf("FAIL target properties 0x%lx\n", (unsigned long)st);
            return 1;
        }
        wide_to_utf8(p.name, text, sizeof text);
        printf("target %lld %s flags=%u\n", (long long)list->oids[i].objectSequenceNumber,
               text, (unsigned)p.discoveryMethodFlags);
        IMA_OID_LIST *lus = NULL;
        st = IMA_GetLuOidList(list->oids[i], &lus);
        if (st != IMA_STATUS_SUCCESS) {
            printf("FAIL lu list 0x%lx\n", (unsigned long)st);
            return 1;
        }
        for (IMA_UINT j = 0; j < lus->oidCount; j++) {
            IMA_LU_PROPERTIES lp;
            IMA_BYTE inq[96], cap[32], sense[64];
            IMA_UINT inq_len = sizeof inq, cap_len = sizeof cap, sense_len = sizeof sense;
            char vendor[9], product[17];
            if (IMA_GetLuProperties(lus->oids[j], &lp) != IMA_STATUS_SUCCESS) return 1;
            st = IMA_LuInquiry(lus->oids[j], IMA_FALSE, IMA_FALSE, 0, inq, &inq_len, sense,
                               &sense_len);
            if (st != IMA_STATUS_SUCCESS || inq_len < 32) {
                printf("FAIL inquiry 0x%lx len %lu\n", (unsigned long)st, (unsigned long)inq_len);
                return 1;
            }
            copy_trimmed(vendor, inq + 8, 8);
            copy_trimmed(product, inq + 16, 16);
            unsigned long long blocks = 0;
            unsigned long block = 0;
            sense_len = sizeof sense;
            st = IMA_LuReadCapacity(lus->oids[j], 16, cap, &cap_len, sense, &sense_len);
            if (st == IMA_STATUS_SUCCESS && cap_len >= 12) {
                for (int k = 0; k < 8; k++) blocks = (blocks << 8) | cap[k];
                blocks += 1;
                block = ((unsigned long)cap[8] << 24) | ((unsigned long)cap[9] << 16) |
                        ((unsigned long)cap[10] << 8) | cap[11];
            }
            printf("lu %lld %llu type=%u vendor=%s product=%s blocks=%llu block=%lu cap_status=0x%lx\n",
                   (long long)list->oids[i].objectSequenceNumber,
                   (unsigned long long)lp.targetLun, (unsigned)(inq[0] & 0x1f), vendor, product,
                   blocks, block, (unsigned long)st);
        }
        IMA_FreeMemory(lus);
    }
    IMA_FreeMemory(list);
    return 0;
}


/* ---- sessions, vendor commands, statistics, events ---- */

static IMA_OID plugin(void) {
    IMA_OID p;
    IMA_STATUS st = IMA_GetAssociatedPluginOid(lhba(), &p);
    if (st != IMA_STATUS_SUCCESS) {
        printf("FAIL plugin oid status=0x%lx\n", (unsigned long)st);
        exit(1);
    }
    return p;
}

static IMA_STATUS ioctl_cmd(IMA_UINT cmd, const void *in, IMA_UINT in_len, void *out,
                            IMA_UINT out_len) {
    IMA_UINT len = out_len;
    return IMA_PluginIOCtl(plugin(), cmd, in, in_len, out, &len);
}

static IMA_SOFT_RESCAN rescan(void) {
    IMA_SOFT_COUNT zero = {0};
    IMA_SOFT_RESCAN r;
    memset(&r, 0, sizeof r);
    IMA_STATUS st = ioctl_cmd(IMA_SOFT_IOCTL_RESCAN, &zero, sizeof zero, &r, sizeof r);
    if (st != IMA_STATUS_SUCCESS) {
        printf("FAIL rescan status=0x%lx\n", (unsigned long)st);
        exit(1);
    }
    return r;
}

static void target_name_of(IMA_OID target, char *out, size_t n) {
    IMA_TARGET_PROPERTIES p;
    out[0] = 0;
    if (IMA_GetTargetProperties(target, &p) == IMA_STATUS_SUCCESS) wide_to_utf8(p.name, out, n);
}

static void print_ip(const char *label, IMA_BOOL valid, const IMA_IP_ADDRESS *ip,
                     IMA_UINT16 port) {
    char text[INET6_ADDRSTRLEN] = "-";
    if (valid) inet_ntop(ip->ipv4Address ? AF_INET : AF_INET6, ip->ipAddress, text, sizeof text);
    printf(" %s=%s:%u", label, text, (unsigned)port);
}

static int sessions(void) {
    IMA_SOFT_RESCAN r = rescan();
    printf("rescan targets=%lld sessions=%lld logged_in=%lld login_failures=%lld\n",
           (long long)r.targets, (long long)r.sessions, (long long)r.loggedIn,
           (long long)r.loginFailures);
    IMA_OID_LIST *targets = NULL;
    if (IMA_GetTargetOidList(lhba(), &targets) != IMA_STATUS_SUCCESS) return 1;
    unsigned total = 0;
    for (IMA_UINT t = 0; t < targets->oidCount; t++) {
        char name[256];
        target_name_of(targets->oids[t], name, sizeof name);
        IMA_OID_LIST *list = NULL;
        IMA_STATUS st = IMA_GetSessionOidList(targets->oids[t], &list);
        if (st != IMA_STATUS_SUCCESS) {
            printf("FAIL session list 0x%lx\n", (unsigned long)st);
            return 1;
        }
        for (IMA_UINT i = 0; i < list->oidCount; i++) {
            IMA_SESSION_PROPERTIES p;
            st = IMA_GetSessionProperties(list->oids[i], &p);
            if (st != IMA_STATUS_SUCCESS) {
                printf("FAIL session properties 0x%lx\n", (unsigned long)st);
                return 1;
            }
            total++;
            printf("session %lld target=%s isid=%02x%02x%02x%02x%02x%02x tsih=%u auth=%u "
                   "mbl=%u fbl=%u ir2t=%u imm=%u t2w=%u t2r=%u erl=%u maxconn=%u r2t=%u "
                   "tpgt=%u pduorder=%u seqorder=%u lhba_owner=%u\n",
                   (long long)list->oids[i].objectSequenceNumber, name, p.isid[0], p.isid[1],
                   p.isid[2], p.isid[3], p.isid[4], p.isid[5], (unsigned)p.tsih,
                   (unsigned)p.authMethod, (unsigned)p.maxBurstLength,
                   (unsigned)p.firstBurstLength, (unsigned)p.initialR2T,
                   (unsigned)p.immediateData, (unsigned)p.defaultTime2Wait,
                   (unsigned)p.defaultTime2Retain, (unsigned)p.errorRecoveryLevel,
                   (unsigned)p.maxConnections, (unsigned)p.maxOutstandingR2T,
                   (unsigned)p.targetPortalGroupTag, (unsigned)p.dataPduInOrder,
                   (unsigned)p.dataSequenceInOrder,
                   (unsigned)(p.associatedLhbaOid.ownerId == lhba().ownerId &&
                              p.associatedLhbaOid.objectType == IMA_OBJECT_TYPE_LHBA));
            IMA_OID_LIST *conns = NULL;
            st = IMA_GetConnectionOidList(list->oids[i], &conns);
            if (st != IMA_STATUS_SUCCESS) {
                printf("FAIL connection list 0x%lx\n", (unsigned long)st);
                return 1;
            }
            for (IMA_UINT c = 0; c < conns->oidCount; c++) {
                IMA_CONNECTION_PROPERTIES cp;
                st = IMA_GetConnectionProperties(conns->oids[c], &cp);
                if (st != IMA_STATUS_SUCCESS) {
                    printf("FAIL connection properties 0x%lx\n", (unsigned long)st);
                    return 1;
                }
                printf("connection %lld session=%lld cid=%u hd=%u dd=%u mrdsl=%u mtdsl=%u\n",
                       (long long)conns->oids[c].objectSequenceNumber,
                       (long long)cp.associatedSessionOid.objectSequenceNumber,
                       (unsigned)cp.connectionId, (unsigned)cp.headerDigest,
                       (unsigned)cp.dataDigest, (unsigned)cp.maxRecvDataSegmentLength,
                       (unsigned)cp.maxTransmitDataSegmentLength);
            }
            IMA_FreeMemory(conns);
            IMA_SOFT_SESSION in = {list->oids[i]};
            IMA_SOFT_ADDRESSES a;
            st = ioctl_cmd(IMA_SOFT_IOCTL_SESSION_ADDRESSES, &in, sizeof in, &a, sizeof a);
            if (st != IMA_STATUS_SUCCESS) {
                printf("FAIL addresses 0x%lx\n", (unsigned long)st);
                return 1;
            }
            printf("addresses %lld", (long long)list->oids[i].objectSequenceNumber);
            print_ip("local", a.localValid, &a.localAddress, a.localPort);
            print_ip("remote", a.remoteValid, &a.remoteAddress, a.remotePort);
            printf("\n");
        }
        IMA_FreeMemory(list);
    }
    IMA_FreeMemory(targets);
    IMA_OID_LIST *all = NULL;
    if (IMA_GetSessionOidList(lhba(), &all) != IMA_STATUS_SUCCESS) return 1;
    printf("sessions=%u lhba_sessions=%u\n", total, (unsigned)all->oidCount);
    IMA_FreeMemory(all);
    return 0;
}

static int login_logout(const char *cmd, const char *name) {
    rescan(); /* the automatic logins of this process are done */
    IMA_SOFT_TARGET in = {target_named(name)};
    IMA_STATUS st;
    long long value = -1;
    if (strcmp(cmd, "login") == 0) {
        IMA_SOFT_SESSION out;
        st = ioctl_cmd(IMA_SOFT_IOCTL_LOGIN, &in, sizeof in, &out, sizeof out);
        if (st == IMA_STATUS_SUCCESS) value = (long long)out.sessionOid.objectSequenceNumber;
    } else {
        IMA_SOFT_COUNT out;
        st = ioctl_cmd(IMA_SOFT_IOCTL_LOGOUT, &in, sizeof in, &out, sizeof out);
        if (st == IMA_STATUS_SUCCESS) value = (long long)out.value;
    }
    IMA_OID_LIST *all = NULL;
    IMA_GetSessionOidList(lhba(), &all);
    printf("status=0x%lx value=%lld sessions=%u\n", (unsigned long)st, value,
           all ? (unsigned)all->oidCount : 0u);
    if (all) IMA_FreeMemory(all);
    /* Malformed requests: a short input, a short output, an unknown command. */
    IMA_SOFT_COUNT small;
    IMA_UINT len = 1;
    printf("short_input=0x%lx ", (unsigned long)IMA_PluginIOCtl(plugin(), IMA_SOFT_IOCTL_LOGIN,
                                                               &in, 4, &small, &len));
    len = 1;
    printf("short_output=0x%lx ", (unsigned long)IMA_PluginIOCtl(plugin(), IMA_SOFT_IOCTL_LOGIN,
                                                                &in, sizeof in, &small, &len));
    len = sizeof small;
    printf("unknown=0x%lx\n", (unsigned long)IMA_PluginIOCtl(plugin(), 0x1234, &in, sizeof in,
                                                            &small, &len));
    return st == IMA_STATUS_SUCCESS ? 0 : 1;
}

static int autologin(int s, int t) {
    IMA_SOFT_AUTO_LOGIN in = {s ? IMA_TRUE : IMA_FALSE, t ? IMA_TRUE : IMA_FALSE}, out;
    IMA_SOFT_COUNT zero = {0}, done;
    IMA_STATUS st = ioctl_cmd(IMA_SOFT_IOCTL_SET_AUTO_LOGIN, &in, sizeof in, &done, sizeof done);
    memset(&out, 0xff, sizeof out);
    IMA_STATUS st2 = ioctl_cmd(IMA_SOFT_IOCTL_GET_AUTO_LOGIN, &zero, sizeof zero, &out, sizeof out);
    IMA_SOFT_AUTO_LOGIN bad = {2, IMA_TRUE};
    IMA_STATUS st3 = ioctl_cmd(IMA_SOFT_IOCTL_SET_AUTO_LOGIN, &bad, sizeof bad, &done, sizeof done);
    printf("status=0x%lx get=0x%lx bad=0x%lx static=%u st=%u\n", (unsigned long)st,
           (unsigned long)st2, (unsigned long)st3, (unsigned)out.staticTargets,
           (unsigned)out.sendTargets);
    return st == IMA_STATUS_SUCCESS && st2 == IMA_STATUS_SUCCESS ? 0 : 1;
}

static int device_stats(IMA_OID oid, IMA_DEVICE_STATISTICS *s) {
    IMA_STATUS st = IMA_GetDeviceStatistics(oid, s);
    if (st != IMA_STATUS_SUCCESS) {
        printf("FAIL device statistics 0x%lx\n", (unsigned long)st);
        return 1;
    }
    return 0;
}

static int stats(const char *name, unsigned long lun, int n) {
    rescan();
    IMA_OID target = target_named(name);
    IMA_OID lu = lu_of(name, lun);
    IMA_STATISTICS_PROPERTIES sp;
    IMA_STATUS st = IMA_GetStatisticsProperties(lu, &sp);
    printf("props status=0x%lx settable=%u enabled=%u\n", (unsigned long)st,
           (unsigned)sp.statisticsCollectionSettable, (unsigned)sp.statisticsCollectionEnabled);
    IMA_DEVICE_STATISTICS lu0, t0, lu1, t1;
    if (device_stats(lu, &lu0) || device_stats(target, &t0)) return 1;
    unsigned long long returned = 0;
    for (int i = 0; i < n; i++) {
        IMA_BYTE inq[96], sense[64];
        IMA_UINT len = sizeof inq, sense_len = sizeof sense;
        st = IMA_LuInquiry(lu, IMA_FALSE, IMA_FALSE, 0, inq, &len, sense, &sense_len);
        if (st != IMA_STATUS_SUCCESS) {
            printf("FAIL inquiry 0x%lx\n", (unsigned long)st);
            return 1;
        }
        returned += len;
    }
    if (device_stats(lu, &lu1) || device_stats(target, &t1)) return 1;
    printf("inquiry_bytes=%llu lu_pdus_sent=%lld lu_bytes_received=%lld lu_bytes_sent=%lld "
           "target_bytes_received=%lld target_pdus_sent=%lld target_pdus_received=%lld "
           "target_pdu_bytes_received=%lld\n",
           returned, (long long)(lu1.iScsiPdusSent - lu0.iScsiPdusSent),
           (long long)(lu1.scsiPayloadBytesReceived - lu0.scsiPayloadBytesReceived),
           (long long)(lu1.scsiPayloadBytesSent - lu0.scsiPayloadBytesSent),
           (long long)(t1.scsiPayloadBytesReceived - t0.scsiPayloadBytesReceived),
           (long long)(t1.iScsiPdusSent - t0.iScsiPdusSent),
           (long long)(t1.iScsiPdusReceived - t0.iScsiPdusReceived),
           (long long)(t1.iScsiPduBytesReceived - t0.iScsiPduBytesReceived));
    /* Off (on the target: the calls take a PHBA or a TARGET): the getter refuses; on
     * again: from zero. */
    IMA_STATUS off = IMA_SetStatisticsCollection(target, IMA_FALSE);
    IMA_DEVICE_STATISTICS ds;
    IMA_STATUS refused = IMA_GetDeviceStatistics(target, &ds);
    IMA_GetStatisticsProperties(target, &sp);
    unsigned enabled_when_off = (unsigned)sp.statisticsCollectionEnabled;
    IMA_STATUS on = IMA_SetStatisticsCollection(target, IMA_TRUE);
    IMA_STATUS again = IMA_GetDeviceStatistics(target, &ds);
    printf("off=0x%lx refused=0x%lx enabled_when_off=%u on=0x%lx again=0x%lx after_on=%lld\n",
           (unsigned long)off, (unsigned long)refused, enabled_when_off, (unsigned long)on,
           (unsigned long)again, (long long)ds.iScsiPdusSent);
    IMA_OID_LIST *pnps = NULL;
    IMA_OID_LIST *lnps = NULL;
    long long pnp_pdus = 0;
    if (IMA_GetLnpOidList(&lnps) == IMA_STATUS_SUCCESS) {
        for (IMA_UINT i = 0; i < lnps->oidCount; i++) {
            if (IMA_GetPnpOidList(lnps->oids[i], &pnps) != IMA_STATUS_SUCCESS) continue;
            for (IMA_UINT j = 0; j < pnps->oidCount; j++) {
                IMA_PNP_STATISTICS ps;
                if (IMA_GetPnpStatistics(pnps->oids[j], &ps) == IMA_STATUS_SUCCESS)
                    pnp_pdus += ps.pdusSent;
            }
            IMA_FreeMemory(pnps);
        }
        IMA_FreeMemory(lnps);
    }
    printf("pnp_pdus_sent=%lld\n", pnp_pdus);
    return 0;
}

static int errors(const char *name) {
    IMA_TARGET_ERROR_STATISTICS e;
    IMA_STATUS st = IMA_GetTargetErrorStatistics(target_named(name), &e);
    printf("status=0x%lx login_failed=%u valid=%u session_failed=%u digest=%u timeout=%u "
           "format=%u closed_timeout=%u last_failure_valid=%u year=%d\n",
           (unsigned long)st, (unsigned)e.loginFailedCount, (unsigned)e.loginFailedCountValid,
           (unsigned)e.sessionFailedCount, (unsigned)e.headerOrDigestSessionFailedCount,
           (unsigned)e.timeLimitExceededSessionFailedCount,
           (unsigned)e.formatErrorSessionFailedCount,
           (unsigned)e.closedConnectionDueToTimeoutCount, (unsigned)e.lastLoginFailureTimeValid,
           e.lastLoginFailureTime.tm_year + 1900);
    return st == IMA_STATUS_SUCCESS ? 0 : 1;
}

static int stale(void) {
    IMA_LHBA_PROPERTIES before, after;
    IMA_GetLhbaProperties(lhba(), &before);
    IMA_STATUS st = IMA_RemoveStaleData(lhba());
    IMA_GetLhbaProperties(lhba(), &after);
    printf("status=0x%lx removable=%u before=%u after=%u\n", (unsigned long)st,
           (unsigned)before.staleDataRemovable, (unsigned)before.staleDataSize,
           (unsigned)after.staleDataSize);
    return st == IMA_STATUS_SUCCESS ? 0 : 1;
}

/* Callback counts, by object type, and whether any ran on the thread that called the API. */
static atomic_int visible_target, visible_session, visible_connection, visible_lu, gone_any,
    changed_session, changed_other, on_main_thread;
static pthread_t main_thread;

static void on_visibility(IMA_BOOL becoming_visible, IMA_OID oid) {
    if (pthread_equal(pthread_self(), main_thread)) atomic_fetch_add(&on_main_thread, 1);
    if (!becoming_visible) {
        atomic_fetch_add(&gone_any, 1);
        return;
    }
    switch (oid.objectType) {
    case IMA_OBJECT_TYPE_TARGET: atomic_fetch_add(&visible_target, 1); break;
    case IMA_OBJECT_TYPE_SESSION: atomic_fetch_add(&visible_session, 1); break;
    case IMA_OBJECT_TYPE_CONNECTION: atomic_fetch_add(&visible_connection, 1); break;
    case IMA_OBJECT_TYPE_LU: atomic_fetch_add(&visible_lu, 1); break;
    default: break;
    }
}

static void on_property(IMA_OID oid) {
    if (pthread_equal(pthread_self(), main_thread)) atomic_fetch_add(&on_main_thread, 1);
    if (oid.objectType == IMA_OBJECT_TYPE_SESSION)
        atomic_fetch_add(&changed_session, 1);
    else
        atomic_fetch_add(&changed_other, 1);
}

static void print_counts(const char *label) {
    printf("%s target_visible=%d session_visible=%d connection_visible=%d lu_visible=%d "
           "gone=%d session_changed=%d other_changed=%d on_main_thread=%d\n",
           label, atomic_load(&visible_target), atomic_load(&visible_session),
           atomic_load(&visible_connection), atomic_load(&visible_lu), atomic_load(&gone_any),
           atomic_load(&changed_session), atomic_load(&changed_other),
           atomic_load(&on_main_thread));
}

static void reset_counts(void) {
    atomic_store(&visible_target, 0);
    atomic_store(&visible_session, 0);
    atomic_store(&visible_connection, 0);
    atomic_store(&visible_lu, 0);
    atomic_store(&gone_any, 0);
    atomic_store(&changed_session, 0);
    atomic_store(&changed_other, 0);
}

/* Waits up to `secs` seconds for `*counter` to reach `want`. */
static int wait_for(atomic_int *counter, int want, int secs) {
    for (int i = 0; i < secs * 20; i++) {
        if (atomic_load(counter) >= want) return 1;
        usleep(50000);
    }
    return atomic_load(counter) >= want;
}

static void print_host(const IMA_HOST_ID *h) {
    char text[INET6_ADDRSTRLEN + 260] = "?";
    if (h->hostnameInUse) {
        wide_to_utf8(h->id.hostname, text, sizeof text);
    } else {
        const IMA_IP_ADDRESS *ip = &h->id.ipAddress;
        inet_ntop(ip->ipv4Address ? AF_INET : AF_INET6, ip->ipAddress, text, sizeof text);
    }
    printf("%s", text);
}

static int isns(int enable, const char *host) {
    IMA_HOST_ID h;
    memset(&h, 0, sizeof h);
    /* "-": an all-zero host, as illumos iscsiadm passes ("keep the configured server"). */
    if (strcmp(host, "-") != 0) {
        if (inet_pton(AF_INET, host, h.id.ipAddress.ipAddress) == 1) {
            h.id.ipAddress.ipv4Address = IMA_TRUE;
        } else {
            h.hostnameInUse = IMA_TRUE;
            mbstowcs(h.id.hostname, host, sizeof h.id.hostname / sizeof h.id.hostname[0] - 1);
        }
    }
    IMA_OID owner = lhba();
    IMA_STATUS st = IMA_SetIsnsDiscovery(owner, enable ? IMA_TRUE : IMA_FALSE,
                                         IMA_ISNS_DISCOVERY_METHOD_STATIC, &h);
    IMA_STATUS slp = IMA_SetIsnsDiscovery(owner, IMA_TRUE, IMA_ISNS_DISCOVERY_METHOD_SLP, &h);
    IMA_DISCOVERY_PROPERTIES p;
    memset(&p, 0, sizeof p);
    IMA_STATUS got = IMA_GetDiscoveryProperties(owner, &p);
    if (got != IMA_STATUS_SUCCESS) {
        printf("FAIL discovery properties 0x%lx\n", (unsigned long)got);
        return 1;
    }
    printf("isns status=0x%lx slp=0x%lx settable=%u enabled=%u method=%u host=", (unsigned long)st,
           (unsigned long)slp, (unsigned)p.iSnsDiscoverySettable, (unsigned)p.iSnsDiscoveryEnabled,
           (unsigned)p.iSnsDiscoveryMethod);
    print_host(&p.iSnsHost);
    printf("\n");
    return st == IMA_STATUS_SUCCESS ? 0 : 1;
}

/* Visibility through SCN: nothing is called after "ready"; the plugin's own thread reports. */
static int events_scn(void) {
    main_thread = pthread_self();
    IMA_STATUS st = IMA_RegisterForObjectVisibilityChanges(on_visibility);
    if (st != IMA_STATUS_SUCCESS) {
        printf("FAIL register 0x%lx\n", (unsigned long)st);
        return 1;
    }
    IMA_SOFT_RESCAN r = rescan();
    print_counts("initial");
    printf("ready sessions=%lld\n", (long long)r.sessions);
    fflush(stdout);
    reset_counts();
    char line[8];
    if (fgets(line, sizeof line, stdin) == NULL) return 1;
    int ok = wait_for(&visible_target, 1, 30);
    print_counts("appeared");
    printf("ready2\n");
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) return 1;
    ok = ok && wait_for(&gone_any, 1, 30);
    print_counts("gone");
    return ok ? 0 : 1;
}

static int events(int restart) {
    main_thread = pthread_self();
    IMA_STATUS st = IMA_RegisterForObjectVisibilityChanges(on_visibility);
    IMA_STATUS st2 = IMA_RegisterForObjectPropertyChanges(on_property);
    if (st != IMA_STATUS_SUCCESS || st2 != IMA_STATUS_SUCCESS) {
        printf("FAIL register 0x%lx 0x%lx\n", (unsigned long)st, (unsigned long)st2);
        return 1;
    }
    IMA_SOFT_RESCAN r = rescan();
    print_counts("initial");
    printf("ready sessions=%lld\n", (long long)r.sessions);
    fflush(stdout);
    reset_counts();
    char line[8];
    if (fgets(line, sizeof line, stdin) == NULL) return 1;
    if (!restart) {
        IMA_OID_LIST *list = NULL;
        st = IMA_GetTargetOidList(lhba(), &list);
        if (st != IMA_STATUS_SUCCESS) {
            printf("FAIL target list 0x%lx\n", (unsigned long)st);
            return 1;
        }
        printf("targets=%u\n", (unsigned)list->oidCount);
        IMA_FreeMemory(list);
        int ok = wait_for(&visible_target, 1, 20) && wait_for(&visible_session, 1, 20);
        print_counts("after");
        return ok ? 0 : 1;
    }
    int ok = wait_for(&changed_session, 1, 40) && wait_for(&visible_connection, 1, 10);
    print_counts("after");
    return ok ? 0 : 1;
}

/* CHAP parameters for USER and SECRET. */
static IMA_INITIATOR_AUTHPARMS chap_parms(const char *user, const char *secret) {
    IMA_INITIATOR_AUTHPARMS p;
    memset(&p, 0, sizeof p);
    size_t n = strlen(user), k = strlen(secret);
    if (n > sizeof p.chapParms.name || k > sizeof p.chapParms.challengeSecret) {
        printf("FAIL credentials too long\n");
        exit(2);
    }
    memcpy(p.chapParms.name, user, n);
    p.chapParms.nameLength = n;
    memcpy(p.chapParms.challengeSecret, secret, k);
    p.chapParms.challengeSecretLength = k;
    return p;
}

static int auth_command(int argc, char **argv) {
    const char *cmd = argv[1];
    IMA_STATUS st;
    if (strcmp(cmd, "chap") == 0 && argc == 4) {
        IMA_INITIATOR_AUTHPARMS p = chap_parms(argv[2], argv[3]);
        IMA_OID owner = lhba();
        st = IMA_SetInitiatorAuthParms(owner, IMA_AUTHMETHOD_CHAP, &p);
        memset(&p, 0, sizeof p);
        IMA_AUTHMETHOD methods[1] = {IMA_AUTHMETHOD_CHAP};
        IMA_STATUS ms = IMA_SetInitiatorAuthMethods(owner, 1, methods);
        /* What a getter shows: the name, never the secret. */
        memset(&p, 0xAA, sizeof p);
        IMA_STATUS gs = IMA_GetInitiatorAuthParms(owner, IMA_AUTHMETHOD_CHAP, &p);
        char name[256] = "";
        if (gs == IMA_STATUS_SUCCESS && p.chapParms.nameLength < sizeof name)
            memcpy(name, p.chapParms.name, p.chapParms.nameLength);
        printf("chap status=0x%lx methods=0x%lx get=0x%lx name=%s secret_len=%lu\n",
               (unsigned long)st, (unsigned long)ms, (unsigned long)gs, name,
               (unsigned long)p.chapParms.challengeSecretLength);
        return st == IMA_STATUS_SUCCESS ? 0 : 1;
    }
    if ((strcmp(cmd, "local") == 0 || strcmp(cmd, "mutual") == 0) && argc == 5) {
        IMA_INITIATOR_AUTHPARMS p = chap_parms(argv[3], argv[4]);
        IMA_OID target = target_named(argv[2]);
        if (strcmp(cmd, "local") == 0)
            st = IMA_SetInitiatorLocalAuthParms(target, IMA_AUTHMETHOD_CHAP, &p, IMA_TRUE);
        else
            st = IMA_SetMutualLocalAuthParms(target, IMA_AUTHMETHOD_CHAP, &p, IMA_TRUE);
        memset(&p, 0, sizeof p);
        printf("%s status=0x%lx\n", cmd, (unsigned long)st);
        return st == IMA_STATUS_SUCCESS ? 0 : 1;
    }
    if (strcmp(cmd, "header-digest") == 0 && argc >= 4) {
        IMA_DIGEST_TYPE values[2];
        IMA_UINT n = 0;
        for (int i = 3; i < argc && n < 2; i++)
            values[n++] = strcmp(argv[i], "crc32c") == 0 ? IMA_DIGEST_CRC32C : IMA_DIGEST_NONE;
        IMA_OID target = target_named(argv[2]);
        st = IMA_SetHeaderDigestValues(target, n, values);
        IMA_DIGEST_TYPE got[2];
        IMA_UINT count = 2;
        IMA_STATUS gs = IMA_GetHeaderDigestValues(target, &count, got);
        printf("digest status=0x%lx get=0x%lx values=", (unsigned long)st, (unsigned long)gs);
        for (IMA_UINT i = 0; i < count && i < 2; i++)
            printf("%s%s", i ? "," : "", got[i] == IMA_DIGEST_CRC32C ? "CRC32C" : "None");
        printf("\n");
        return st == IMA_STATUS_SUCCESS ? 0 : 1;
    }
    if (strcmp(cmd, "lus") == 0 && argc == 3) {
        IMA_OID_LIST *list = NULL;
        st = IMA_GetLuOidList(target_named(argv[2]), &list);
        printf("lus status=0x%lx count=%lu\n", (unsigned long)st,
               st == IMA_STATUS_SUCCESS ? (unsigned long)list->oidCount : 0ul);
        if (st == IMA_STATUS_SUCCESS) IMA_FreeMemory(list);
        return st == IMA_STATUS_SUCCESS ? 0 : 1;
    }
    return -1;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *cmd = argv[1];
    IMA_STATUS st;
    if (strcmp(cmd, "add-discovery") == 0 && argc == 4) {
        IMA_OID oid;
        memset(&oid, 0, sizeof oid);
        st = IMA_AddDiscoveryAddress(lhba(), address(argv[2], atoi(argv[3])), &oid);
        printf("status=0x%lx seq=%lld\n", (unsigned long)st, (long long)oid.objectSequenceNumber);
        return st == IMA_STATUS_SUCCESS ? 0 : 1;
    }
    if (strcmp(cmd, "add-many") == 0 && argc == 5) {
        int base = atoi(argv[3]), n = atoi(argv[4]), added = 0;
        IMA_OID owner = lhba();
        for (int i = 0; i < n; i++) {
            IMA_OID oid;
            if (IMA_AddDiscoveryAddress(owner, address(argv[2], base + i), &oid) ==
                IMA_STATUS_SUCCESS)
                added++;
        }
        printf("added=%d\n", added);
        return added == n ? 0 : 1;
    }
    if (strcmp(cmd, "list-discovery") == 0) {
        IMA_OID_LIST *list = NULL;
        st = IMA_GetDiscoveryAddressOidList(lhba(), &list);
        if (st != IMA_STATUS_SUCCESS) {
            printf("list_status=0x%lx\n", (unsigned long)st);
            return 1;
        }
        for (IMA_UINT i = 0; i < list->oidCount; i++) {
            IMA_DISCOVERY_ADDRESS_PROPERTIES p;
            if (IMA_GetDiscoveryAddressProperties(list->oids[i], &p) != IMA_STATUS_SUCCESS)
                return 1;
            printf("address %lld ", (long long)list->oids[i].objectSequenceNumber);
            print_address(&p.discoveryAddress);
            printf("\n");
        }
        printf("count=%lu\n", (unsigned long)list->oidCount);
        IMA_FreeMemory(list);
        return 0;
    }
    if ((strcmp(cmd, "remove-discovery") == 0 || strcmp(cmd, "remove-static") == 0) &&
        argc == 3) {
        IMA_OID oid = lhba();
        oid.objectSequenceNumber = atoll(argv[2]);
        if (strcmp(cmd, "remove-discovery") == 0) {
            oid.objectType = IMA_OBJECT_TYPE_DISCOVERY_ADDRESS;
            st = IMA_RemoveDiscoveryAddress(oid);
        } else {
            oid.objectType = IMA_OBJECT_TYPE_STATIC_DISCOVERY_TARGET;
            st = IMA_RemoveStaticDiscoveryTarget(oid);
        }
        printf("status=0x%lx\n", (unsigned long)st);
        return st == IMA_STATUS_SUCCESS ? 0 : 1;
    }
    if (strcmp(cmd, "add-static") == 0 && argc == 5) {
        IMA_STATIC_DISCOVERY_TARGET t;
        IMA_OID oid;
        memset(&t, 0, sizeof t);
        memset(&oid, 0, sizeof oid);
        mbstowcs(t.targetName, argv[2], sizeof t.targetName / sizeof t.targetName[0] - 1);
        t.targetAddress = address(argv[3], atoi(argv[4]));
        st = IMA_AddStaticDiscoveryTarget(lhba(), t, &oid);
        printf("status=0x%lx seq=%lld\n", (unsigned long)st, (long long)oid.objectSequenceNumber);
        return st == IMA_STATUS_SUCCESS ? 0 : 1;
    }
    if (strcmp(cmd, "list-static") == 0) {
        IMA_OID_LIST *list = NULL;
        st = IMA_GetStaticDiscoveryTargetOidList(lhba(), &list);
        if (st != IMA_STATUS_SUCCESS) {
            printf("list_status=0x%lx\n", (unsigned long)st);
            return 1;
        }
        for (IMA_UINT i = 0; i < list->oidCount; i++) {
            IMA_STATIC_DISCOVERY_TARGET_PROPERTIES p;
            char name[256];
            if (IMA_GetStaticDiscoveryTargetProperties(list->oids[i], &p) != IMA_STATUS_SUCCESS)
                return 1;
            wide_to_utf8(p.staticTarget.targetName, name, sizeof name);
            printf("static %lld %s ", (long long)list->oids[i].objectSequenceNumber, name);
            print_address(&p.staticTarget.targetAddress);
            printf("\n");
        }
        printf("count=%lu\n", (unsigned long)list->oidCount);
        IMA_FreeMemory(list);
        return 0;
    }
    if (strcmp(cmd, "targets") == 0) return targets();
    int auth = auth_command(argc, argv);
    if (auth >= 0) return auth;
    if (strcmp(cmd, "vpd83") == 0 && argc == 4) {
        IMA_BYTE page[255], sense[64];
        IMA_UINT len = sizeof page, sense_len = sizeof sense;
        st = IMA_LuInquiry(lu_of(argv[2], strtoul(argv[3], NULL, 10)), IMA_TRUE, IMA_FALSE,
                           0x83, page, &len, sense, &sense_len);
        int designators = 0;
        if (st == IMA_STATUS_SUCCESS && len >= 4) {
            unsigned total = 4u + (((unsigned)page[2] << 8) | page[3]);
            for (unsigned at = 4; at + 4 <= total && at + 4 <= len; at += 4u + page[at + 3])
                designators++;
        }
        printf("vpd83 status=0x%lx page=0x%02x len=%lu designators=%d\n", (unsigned long)st,
               (unsigned)page[1], (unsigned long)len, designators);
        return st == IMA_STATUS_SUCCESS ? 0 : 1;
    }
    if (strcmp(cmd, "reportluns") == 0 && argc == 3) {
        IMA_BYTE data[512], sense[64];
        IMA_UINT len = sizeof data, sense_len = sizeof sense;
        st = IMA_LuReportLuns(target_named(argv[2]), IMA_FALSE, 0, data, &len, sense, &sense_len);
        unsigned long list_len = len >= 4 ? ((unsigned long)data[0] << 24) |
                                                ((unsigned long)data[1] << 16) |
                                                ((unsigned long)data[2] << 8) | data[3]
                                          : 0;
        printf("reportluns status=0x%lx luns=%lu\n", (unsigned long)st, list_len / 8);
        return st == IMA_STATUS_SUCCESS ? 0 : 1;
    }
    if (strcmp(cmd, "gone") == 0 && argc == 4) {
        IMA_OID lu = lu_of(argv[2], strtoul(argv[3], NULL, 10));
        if (argc == 4 && getenv("HBA_GONE_WAIT") != NULL) {
            /* The test removes the LU while this process waits on its stdin. */
            char line[8];
            printf("ready\n");
            fflush(stdout);
            if (fgets(line, sizeof line, stdin) == NULL) return 1;
        }
        IMA_BYTE data[64], sense[64];
        IMA_UINT len = sizeof data, sense_len = sizeof sense;
        st = IMA_LuReadCapacity(lu, 16, data, &len, sense, &sense_len);
        printf("readcap status=0x%lx sense_len=%lu key=0x%x asc=0x%02x\n", (unsigned long)st,
               (unsigned long)sense_len, sense_len > 2 ? (unsigned)(sense[2] & 0x0f) : 0u,
               sense_len > 12 ? (unsigned)sense[12] : 0u);
        return 0;
    }
    if (strcmp(cmd, "sessions") == 0) return sessions();
    if (strcmp(cmd, "set-mbl") == 0 && argc == 4) {
        st = IMA_SetMaxBurstLength(target_named(argv[2]), (IMA_UINT)strtoul(argv[3], NULL, 10));
        printf("status=0x%lx\n", (unsigned long)st);
        return 0;
    }
    if ((strcmp(cmd, "login") == 0 || strcmp(cmd, "logout") == 0) && argc == 3)
        return login_logout(cmd, argv[2]);
    if (strcmp(cmd, "autologin") == 0 && argc == 4) return autologin(atoi(argv[2]), atoi(argv[3]));
    if (strcmp(cmd, "stats") == 0 && argc == 5)
        return stats(argv[2], strtoul(argv[3], NULL, 10), atoi(argv[4]));
    if (strcmp(cmd, "errors") == 0 && argc == 3) return errors(argv[2]);
    if (strcmp(cmd, "stale") == 0) return stale();
    if (strcmp(cmd, "events-target") == 0) return events(0);
    if (strcmp(cmd, "events-restart") == 0) return events(1);
    if (strcmp(cmd, "events-scn") == 0) return events_scn();
    if (strcmp(cmd, "isns") == 0 && argc == 4) return isns(atoi(argv[2]), argv[3]);
    printf("usage\n");
    return 2;
}
