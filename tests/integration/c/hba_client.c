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
 * The plugin's ownerId is the one of its LHBA (the first LHBA in the list).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <arpa/inet.h>

#include "ima.h"

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
    printf("usage\n");
    return 2;
}
