/*
 * C test client for libima.so, compiled against ima-lib/include/ima.h by
 * tests/ima_c_client.rs. It checks struct sizes at compile time and exercises the library at
 * run time. Modes (argv[1]):
 *   report                  print plugins, aggregate lists and counters (the Rust test asserts)
 *   badargs                 the table of bad-argument cases with their exact status codes
 *   threads                 8 threads calling the library concurrently
 *   node NAME               shared-node policy, expecting NAME as the initial shared name
 *   callbacks               event fan-out from the fake plugins
 *   status CALL:T:O:S ...   print the status of routed calls on OID {T, O, S}
 * Every failed check prints "FAIL" and makes the exit status 1.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "ima.h"

/* ---- Every size of docs/ima-notes.md 1.4 and 1.6 (x86-64 glibc) ---- */
_Static_assert(sizeof(IMA_UINT) == 8, "IMA_UINT");
_Static_assert(sizeof(IMA_STATUS) == 8, "IMA_STATUS");
_Static_assert(sizeof(IMA_WCHAR) == 4, "IMA_WCHAR");
_Static_assert(sizeof(IMA_DATETIME) == 56, "IMA_DATETIME");
_Static_assert(sizeof(IMA_OBJECT_TYPE) == 4, "IMA_OBJECT_TYPE");
_Static_assert(sizeof(IMA_OID) == 16, "IMA_OID");
_Static_assert(offsetof(IMA_OID, objectSequenceNumber) == 8, "IMA_OID seq");
_Static_assert(sizeof(IMA_OID_LIST) == 24, "IMA_OID_LIST");
_Static_assert(offsetof(IMA_OID_LIST, oids) == 8, "IMA_OID_LIST oids");
_Static_assert(sizeof(IMA_IP_ADDRESS) == 20, "IMA_IP_ADDRESS");
_Static_assert(sizeof(IMA_ADDRESS_KEY) == 24, "IMA_ADDRESS_KEY");
_Static_assert(sizeof(IMA_ADDRESS_KEYS) == 32, "IMA_ADDRESS_KEYS");
_Static_assert(sizeof(IMA_ADDRESS_KEY_PROPERTIES) == 32, "IMA_ADDRESS_KEY_PROPERTIES");
_Static_assert(sizeof(IMA_HOST_ID) == 1028, "IMA_HOST_ID");
_Static_assert(offsetof(IMA_HOST_ID, id) == 4, "IMA_HOST_ID id");
_Static_assert(sizeof(IMA_TARGET_ADDRESS) == 1032, "IMA_TARGET_ADDRESS");
_Static_assert(offsetof(IMA_TARGET_ADDRESS, portNumber) == 1028, "port");
_Static_assert(sizeof(IMA_STATIC_DISCOVERY_TARGET) == 1928, "IMA_STATIC_DISCOVERY_TARGET");
_Static_assert(offsetof(IMA_STATIC_DISCOVERY_TARGET, targetAddress) == 896, "sdt addr");
_Static_assert(sizeof(IMA_DISCOVERY_ADDRESS_PROPERTIES) == 1064, "IMA_DISCOVERY_ADDRESS_PROPERTIES");
_Static_assert(sizeof(IMA_STATIC_DISCOVERY_TARGET_PROPERTIES) == 1960, "IMA_STATIC_DISCOVERY_TARGET_PROPERTIES");
_Static_assert(sizeof(IMA_LIBRARY_PROPERTIES) == 3200, "IMA_LIBRARY_PROPERTIES");
_Static_assert(offsetof(IMA_LIBRARY_PROPERTIES, buildTime) == 3080, "buildTime");
_Static_assert(sizeof(IMA_PLUGIN_PROPERTIES) == 3208, "IMA_PLUGIN_PROPERTIES");
_Static_assert(sizeof(IMA_NODE_PROPERTIES) == 2004, "IMA_NODE_PROPERTIES");
_Static_assert(offsetof(IMA_NODE_PROPERTIES, name) == 12, "node name");
_Static_assert(offsetof(IMA_NODE_PROPERTIES, aliasValid) == 908, "aliasValid");
_Static_assert(offsetof(IMA_NODE_PROPERTIES, alias) == 912, "alias");
_Static_assert(offsetof(IMA_NODE_PROPERTIES, nameAndAliasSettable) == 1936, "settable");
_Static_assert(sizeof(IMA_LHBA_PROPERTIES) == 1184, "IMA_LHBA_PROPERTIES");
_Static_assert(offsetof(IMA_LHBA_PROPERTIES, staleDataSize) == 1040, "staleDataSize");
_Static_assert(sizeof(IMA_PHBA_PROPERTIES) == 8880, "IMA_PHBA_PROPERTIES");
_Static_assert(offsetof(IMA_PHBA_PROPERTIES, supportedUlps) == 8704, "supportedUlps");
_Static_assert(offsetof(IMA_PHBA_PROPERTIES, bidirectionalTransfersSupported) == 8712, "bidi");
_Static_assert(offsetof(IMA_PHBA_PROPERTIES, maximumCdbLength) == 8720, "maxCdb");
_Static_assert(sizeof(IMA_PHBA_DOWNLOAD_PROPERTIES) == 44, "IMA_PHBA_DOWNLOAD_PROPERTIES");
_Static_assert(sizeof(IMA_PHBA_DOWNLOAD_IMAGE_PROPERTIES) == 2184, "IMA_PHBA_DOWNLOAD_IMAGE_PROPERTIES");
_Static_assert(sizeof(IMA_IPSEC_PROPERTIES) == 44, "IMA_IPSEC_PROPERTIES");
_Static_assert(sizeof(IMA_DISCOVERY_PROPERTIES) == 1192, "IMA_DISCOVERY_PROPERTIES");
_Static_assert(offsetof(IMA_DISCOVERY_PROPERTIES, iSnsHost) == 12, "iSnsHost");
_Static_assert(sizeof(IMA_IP_PROPERTIES) == 184, "IMA_IP_PROPERTIES");
_Static_assert(sizeof(IMA_LNP_PROPERTIES) == 44, "IMA_LNP_PROPERTIES");
_Static_assert(sizeof(IMA_PNP_PROPERTIES) == 120, "IMA_PNP_PROPERTIES");
_Static_assert(sizeof(IMA_PNP_STATISTICS) == 32, "IMA_PNP_STATISTICS");
_Static_assert(sizeof(IMA_NETWORK_PORTAL_PROPERTIES) == 72, "IMA_NETWORK_PORTAL_PROPERTIES");
_Static_assert(sizeof(IMA_TARGET_PROPERTIES) == 2096, "IMA_TARGET_PROPERTIES");
_Static_assert(offsetof(IMA_TARGET_PROPERTIES, name) == 32, "target name");
_Static_assert(offsetof(IMA_TARGET_PROPERTIES, alias) == 928, "target alias");
_Static_assert(offsetof(IMA_TARGET_PROPERTIES, discoveryMethodFlags) == 1952, "flags");
_Static_assert(sizeof(IMA_TARGET_ERROR_STATISTICS) == 176, "IMA_TARGET_ERROR_STATISTICS");
_Static_assert(sizeof(IMA_LU_PROPERTIES) == 496, "IMA_LU_PROPERTIES");
_Static_assert(sizeof(IMA_SESSION_PROPERTIES) == 72, "IMA_SESSION_PROPERTIES");
_Static_assert(offsetof(IMA_SESSION_PROPERTIES, authMethod) == 16, "authMethod");
_Static_assert(offsetof(IMA_SESSION_PROPERTIES, defaultTime2Retain) == 28, "t2r");
_Static_assert(offsetof(IMA_SESSION_PROPERTIES, firstBurstLength) == 36, "fbl");
_Static_assert(offsetof(IMA_SESSION_PROPERTIES, isid) == 48, "isid");
_Static_assert(offsetof(IMA_SESSION_PROPERTIES, maxBurstLength) == 56, "mbl");
_Static_assert(offsetof(IMA_SESSION_PROPERTIES, tsih) == 66, "tsih");
_Static_assert(sizeof(IMA_CONNECTION_PROPERTIES) == 56, "IMA_CONNECTION_PROPERTIES");
_Static_assert(offsetof(IMA_CONNECTION_PROPERTIES, dataDigest) == 20, "dd");
_Static_assert(offsetof(IMA_CONNECTION_PROPERTIES, ofMarkInt) == 48, "ofmi");
_Static_assert(sizeof(IMA_STATISTICS_PROPERTIES) == 8, "IMA_STATISTICS_PROPERTIES");
_Static_assert(sizeof(IMA_DEVICE_STATISTICS) == 64, "IMA_DEVICE_STATISTICS");
_Static_assert(sizeof(IMA_MIN_MAX_VALUE) == 28, "IMA_MIN_MAX_VALUE");
_Static_assert(sizeof(IMA_BOOL_VALUE) == 16, "IMA_BOOL_VALUE");
_Static_assert(sizeof(IMA_CHAP_INITIATOR_AUTHPARMS) == 1320, "IMA_CHAP_INITIATOR_AUTHPARMS");
_Static_assert(offsetof(IMA_CHAP_INITIATOR_AUTHPARMS, challengeSecret) == 544, "secret");
_Static_assert(offsetof(IMA_CHAP_INITIATOR_AUTHPARMS, challengeSecretLength) == 800, "secretLength");
_Static_assert(sizeof(IMA_SRP_INITIATOR_AUTHPARMS) == 1032, "IMA_SRP_INITIATOR_AUTHPARMS");
_Static_assert(sizeof(IMA_KRB5_INITIATOR_AUTHPARMS) == 3080, "IMA_KRB5_INITIATOR_AUTHPARMS");
_Static_assert(sizeof(IMA_SPKM_INITIATOR_AUTHPARMS) == 12304, "IMA_SPKM_INITIATOR_AUTHPARMS");
_Static_assert(sizeof(IMA_INITIATOR_AUTHPARMS) == 12304, "IMA_INITIATOR_AUTHPARMS");
_Static_assert(sizeof(ISCSI_TUNABLE_PARAM) == 16, "ISCSI_TUNABLE_PARAM");

static int failures;
static int checks;

static void check(const char *what, IMA_STATUS got, IMA_STATUS expected) {
    checks++;
    if (got != expected) {
        failures++;
        printf("FAIL %s: got 0x%08lx expected 0x%08lx\n", what, got, expected);
    }
}

static int bad_cases;

/* One bad-argument case: a check counted separately. */
static void bad(const char *what, IMA_STATUS got, IMA_STATUS expected) {
    bad_cases++;
    check(what, got, expected);
}

static void expect(const char *what, int ok) {
    checks++;
    if (!ok) {
        failures++;
        printf("FAIL %s\n", what);
    }
}

static IMA_OID oid(IMA_OBJECT_TYPE type, IMA_UINT32 owner, IMA_UINT64 seq) {
    IMA_OID o;
    memset(&o, 0, sizeof o);
    o.objectType = type;
    o.ownerId = owner;
    o.objectSequenceNumber = seq;
    return o;
}

static long long ioctl_counter(IMA_UINT32 owner, IMA_UINT command) {
    long long value = -1;
    char in = 0;
    IMA_UINT len = sizeof value;
    IMA_STATUS s = IMA_PluginIOCtl(oid(IMA_OBJECT_TYPE_PLUGIN, owner, 0), command, &in, 1, &value, &len);
    return s == IMA_STATUS_SUCCESS ? value : -1;
}

static void print_list(const char *kind, IMA_STATUS (*get)(IMA_OID_LIST **)) {
    IMA_OID_LIST *list = NULL;
    IMA_STATUS s = get(&list);
    printf("%s_status 0x%lx\n", kind, s);
    if (s != IMA_STATUS_SUCCESS) return;
    printf("%s_count %lu\n", kind, list->oidCount);
    for (IMA_UINT i = 0; i < list->oidCount; i++)
        printf("%s %d %u %lld\n", kind, list->oids[i].objectType, list->oids[i].ownerId,
            list->oids[i].objectSequenceNumber);
    check("free aggregate list", IMA_FreeMemory(list), IMA_STATUS_SUCCESS);
}

static int report(void) {
    IMA_OID_LIST *plugins = NULL;
    check("GetPluginOidList", IMA_GetPluginOidList(&plugins), IMA_STATUS_SUCCESS);
    if (plugins == NULL) return 1;
    printf("plugins %lu\n", plugins->oidCount);
    for (IMA_UINT i = 0; i < plugins->oidCount; i++) {
        IMA_PLUGIN_PROPERTIES props;
        IMA_STATUS s = IMA_GetPluginProperties(plugins->oids[i], &props);
        if (s == IMA_STATUS_SUCCESS)
            printf("plugin %u %ls\n", plugins->oids[i].ownerId, props.vendor);
        else
            printf("plugin %u status 0x%lx\n", plugins->oids[i].ownerId, s);
    }
    print_list("lhba", IMA_GetLhbaOidList);
    print_list("phba", IMA_GetPhbaOidList);
    print_list("lnp", IMA_GetLnpOidList);
    print_list("node", IMA_GetNonSharedNodeOidList);
    for (IMA_UINT i = 0; i < plugins->oidCount; i++) {
        IMA_UINT32 owner = plugins->oids[i].ownerId;
        printf("lhba_calls %u %lld\n", owner, ioctl_counter(owner, 1));
        printf("live_lists %u %lld\n", owner, ioctl_counter(owner, 2));
    }
    check("free plugin list", IMA_FreeMemory(plugins), IMA_STATUS_SUCCESS);
    IMA_OID shared;
    IMA_NODE_PROPERTIES node;
    check("GetSharedNodeOid", IMA_GetSharedNodeOid(&shared), IMA_STATUS_SUCCESS);
    check("GetNodeProperties(shared)", IMA_GetNodeProperties(shared, &node), IMA_STATUS_SUCCESS);
    printf("shared_name %ls\n", node.name);
    IMA_LIBRARY_PROPERTIES lib;
    check("GetLibraryProperties", IMA_GetLibraryProperties(&lib), IMA_STATUS_SUCCESS);
    printf("library_version %lu\nlibrary_file %ls\n", lib.supportedImaVersion, lib.fileName);
    return 0;
}

static void ignore_property(IMA_OID o) { (void)o; }

/* Bad-argument cases: each has a distinct name; all need the two-fake-plugin setup. */
static int badargs(void) {
    const IMA_OID L = oid(IMA_OBJECT_TYPE_LHBA, 1, 100), P = oid(IMA_OBJECT_TYPE_PHBA, 1, 200);
    const IMA_OID T = oid(IMA_OBJECT_TYPE_TARGET, 1, 500), PL = oid(IMA_OBJECT_TYPE_PLUGIN, 1, 0);
    const IMA_OID PNP = oid(IMA_OBJECT_TYPE_PNP, 1, 1), SHARED = oid(IMA_OBJECT_TYPE_NODE, 0, 0);
    const IMA_OID BADTYPE = oid((IMA_OBJECT_TYPE)99, 1, 100), STRANGER = oid(IMA_OBJECT_TYPE_LHBA, 77, 100);
    const IMA_STATUS IP = IMA_ERROR_INVALID_PARAMETER, WRONG = IMA_ERROR_INCORRECT_OBJECT_TYPE;
    const IMA_STATUS INVALID = IMA_ERROR_INVALID_OBJECT_TYPE, NOTFOUND = IMA_ERROR_OBJECT_NOT_FOUND;
    IMA_OID_LIST *list = NULL;
    IMA_OID out;
    IMA_OBJECT_TYPE type;
    IMA_PLUGIN_PROPERTIES plugin_props;
    IMA_NODE_PROPERTIES node_props;
    IMA_LHBA_PROPERTIES lhba_props;
    IMA_PHBA_PROPERTIES phba_props;
    IMA_PHBA_DOWNLOAD_IMAGE_PROPERTIES image;
    IMA_DISCOVERY_PROPERTIES disc;
    IMA_CONNECTION_PROPERTIES conn;
    IMA_DEVICE_STATISTICS dev;
    IMA_MIN_MAX_VALUE mm;
    IMA_IP_ADDRESS a;
    IMA_ADDRESS_KEYS *keys = NULL;
    static IMA_INITIATOR_AUTHPARMS parms;
    IMA_BYTE buf[64], sense[18];
    IMA_UINT len = sizeof buf, zero = 0, sense_len = sizeof sense, count = 2;
    IMA_AUTHMETHOD methods[1] = { (IMA_AUTHMETHOD)9 }, chap[1] = { IMA_AUTHMETHOD_CHAP };
    IMA_DIGEST_TYPE digests[1] = { (IMA_DIGEST_TYPE)7 };
    IMA_MARKER_INT mark = { 10, 5 };
    char in = 1;
    long long local = 0;
    wchar_t long_name[300], long_alias[300];
    wmemset(long_name, L'n', 224); long_name[224] = 0;
    wmemset(long_alias, L'a', 256); long_alias[256] = 0;
    memset(&a, 0, sizeof a);

    bad("GetLibraryProperties(NULL)", IMA_GetLibraryProperties(NULL), IP);
    bad("GetPluginOidList(NULL)", IMA_GetPluginOidList(NULL), IP);
    bad("GetPluginProperties(plugin, NULL)", IMA_GetPluginProperties(PL, NULL), IP);
    bad("GetPluginProperties(lhba oid)", IMA_GetPluginProperties(L, &plugin_props), WRONG);
    bad("GetPluginProperties(seq 5)", IMA_GetPluginProperties(oid(IMA_OBJECT_TYPE_PLUGIN, 1, 5), &plugin_props), IP);
    bad("GetPluginProperties(owner 77)", IMA_GetPluginProperties(oid(IMA_OBJECT_TYPE_PLUGIN, 77, 0), &plugin_props), NOTFOUND);
    bad("GetAssociatedPluginOid(NULL)", IMA_GetAssociatedPluginOid(L, NULL), IP);
    bad("GetAssociatedPluginOid(owner 0)", IMA_GetAssociatedPluginOid(SHARED, &out), IP);
    bad("GetAssociatedPluginOid(type 99)", IMA_GetAssociatedPluginOid(BADTYPE, &out), INVALID);
    bad("GetAssociatedPluginOid(owner 77)", IMA_GetAssociatedPluginOid(STRANGER, &out), NOTFOUND);
    bad("GetObjectType(NULL)", IMA_GetObjectType(L, NULL), IP);
    bad("GetObjectType(owner 77)", IMA_GetObjectType(STRANGER, &type), NOTFOUND);
    bad("GetObjectType(type 99)", IMA_GetObjectType(BADTYPE, &type), INVALID);
    bad("PluginIOCtl(NULL input)", IMA_PluginIOCtl(PL, 1, NULL, 1, buf, &len), IP);
    bad("PluginIOCtl(input length 0)", IMA_PluginIOCtl(PL, 1, &in, 0, buf, &len), IP);
    bad("PluginIOCtl(output length 0)", IMA_PluginIOCtl(PL, 1, &in, 1, buf, &zero), IP);
    bad("PluginIOCtl(NULL output)", IMA_PluginIOCtl(PL, 1, &in, 1, NULL, &len), IP);
    bad("FreeMemory(NULL)", IMA_FreeMemory(NULL), IP);
    bad("FreeMemory(foreign pointer)", IMA_FreeMemory(&local), IP);
    check("GetPluginOidList for double free", IMA_GetPluginOidList(&list), IMA_STATUS_SUCCESS);
    check("FreeMemory(first)", IMA_FreeMemory(list), IMA_STATUS_SUCCESS);
    bad("FreeMemory(double free)", IMA_FreeMemory(list), IP);
    bad("GetSharedNodeOid(NULL)", IMA_GetSharedNodeOid(NULL), IP);
    bad("GetNonSharedNodeOidList(NULL)", IMA_GetNonSharedNodeOidList(NULL), IP);
    bad("GetNodeProperties(lhba oid)", IMA_GetNodeProperties(L, &node_props), WRONG);
    bad("GetNodeProperties(shared, NULL)", IMA_GetNodeProperties(SHARED, NULL), IP);
    bad("GetNodeProperties(owner 0 seq 5)", IMA_GetNodeProperties(oid(IMA_OBJECT_TYPE_NODE, 0, 5), &node_props), NOTFOUND);
    bad("SetNodeName(NULL)", IMA_SetNodeName(SHARED, NULL), IP);
    bad("SetNodeName(empty)", IMA_SetNodeName(SHARED, L""), IP);
    bad("SetNodeName(224 chars)", IMA_SetNodeName(SHARED, long_name), IMA_ERROR_NAME_TOO_LONG);
    bad("SetNodeName(lhba oid)", IMA_SetNodeName(L, L"iqn.2025-01.invalid.x:y"), WRONG);
    bad("SetNodeAlias(256 chars)", IMA_SetNodeAlias(SHARED, long_alias), IMA_ERROR_NAME_TOO_LONG);
    bad("SetNodeAlias(target oid)", IMA_SetNodeAlias(T, L"x"), WRONG);
    bad("GenerateNodeName(NULL)", IMA_GenerateNodeName(NULL), IP);
    bad("GetLhbaOidList(NULL)", IMA_GetLhbaOidList(NULL), IP);
    bad("GetLhbaProperties(NULL)", IMA_GetLhbaProperties(L, NULL), IP);
    bad("GetLhbaProperties(phba oid)", IMA_GetLhbaProperties(P, &lhba_props), WRONG);
    bad("GetLhbaProperties(owner 77)", IMA_GetLhbaProperties(STRANGER, &lhba_props), NOTFOUND);
    bad("GetLhbaProperties(type 15)", IMA_GetLhbaProperties(oid((IMA_OBJECT_TYPE)15, 1, 100), &lhba_props), INVALID);
    bad("CommitHbaParameters(level 5)", IMA_CommitHbaParameters(L, (IMA_COMMIT_LEVEL)5), IP);
    bad("CommitHbaParameters(target oid)", IMA_CommitHbaParameters(T, IMA_COMMIT_TYPE_AUTO), WRONG);
    bad("GetPhbaOidList(NULL)", IMA_GetPhbaOidList(NULL), IP);
    bad("GetPhbaProperties(lhba oid)", IMA_GetPhbaProperties(L, &phba_props), WRONG);
    bad("PhbaDownload(image type 4)", IMA_PhbaDownload(P, (IMA_PHBA_DOWNLOAD_IMAGE_TYPE)4, L"f"), IP);
    bad("PhbaDownload(NULL file)", IMA_PhbaDownload(P, IMA_DOWNLOAD_IMAGE_TYPE_FIRMWARE, NULL), IP);
    bad("IsPhbaDownloadFile(NULL file)", IMA_IsPhbaDownloadFile(P, NULL, &image), IP);
    bad("GetIpsecProperties(NULL)", IMA_GetIpsecProperties(L, NULL), IP);
    bad("GetIpsecProperties(target oid)", IMA_GetIpsecProperties(T, (IMA_IPSEC_PROPERTIES *)buf), WRONG);
    bad("GetLnpOidList(NULL)", IMA_GetLnpOidList(NULL), IP);
    bad("GetPnpOidList(lhba oid)", IMA_GetPnpOidList(L, &list), WRONG);
    bad("GetNetworkPortalOidList(pnp oid)", IMA_GetNetworkPortalOidList(PNP, &list), WRONG);
    bad("SetIpConfigMethod(bool 2)", IMA_SetIpConfigMethod(PNP, 2), IP);
    bad("SetDnsServerAddress(alternate only)", IMA_SetDnsServerAddress(PNP, NULL, &a), IP);
    bad("SetDnsServerAddress(primary == alternate)", IMA_SetDnsServerAddress(PNP, &a, &a), IP);
    bad("SetStaticDiscovery(bool 7)", IMA_SetStaticDiscovery(L, 7), IP);
    bad("SetIsnsDiscovery(enable, NULL host)", IMA_SetIsnsDiscovery(L, IMA_TRUE, IMA_ISNS_DISCOVERY_METHOD_STATIC, NULL), IP);
    bad("SetIsnsDiscovery(method 3)", IMA_SetIsnsDiscovery(L, IMA_FALSE, (IMA_ISNS_DISCOVERY_METHOD)3, NULL), IP);
    bad("GetDiscoveryProperties(target oid)", IMA_GetDiscoveryProperties(T, &disc), WRONG);
    bad("RemoveDiscoveryAddress(lhba oid)", IMA_RemoveDiscoveryAddress(L), WRONG);
    bad("GetStaticDiscoveryTargetOidList(target oid)", IMA_GetStaticDiscoveryTargetOidList(T, &list), WRONG);
    bad("GetTargetOidList(NULL)", IMA_GetTargetOidList(L, NULL), IP);
    bad("GetAddressKeys(NULL)", IMA_GetAddressKeys(T, NULL), IP);
    bad("GetAddressKeys(lhba oid)", IMA_GetAddressKeys(L, &keys), WRONG);
    bad("GetLuOid(NULL)", IMA_GetLuOid(T, 0, NULL), IP);
    bad("ExposeLu(lhba oid)", IMA_ExposeLu(L), WRONG);
    bad("LuInquiry(evpd 2)", IMA_LuInquiry(T, 2, 0, 0, buf, &len, NULL, NULL), IP);
    bad("LuInquiry(NULL output)", IMA_LuInquiry(T, 0, 0, 0, NULL, &len, NULL, NULL), IP);
    bad("LuInquiry(output length 0)", IMA_LuInquiry(T, 0, 0, 0, buf, &zero, NULL, NULL), IP);
    bad("LuInquiry(NULL sense, length 18)", IMA_LuInquiry(T, 0, 0, 0, buf, &len, NULL, &sense_len), IP);
    bad("LuReadCapacity(cdb 12)", IMA_LuReadCapacity(T, 12, buf, &len, sense, &sense_len), IP);
    bad("LuReportLuns(bool 3)", IMA_LuReportLuns(T, 3, 0, buf, &len, sense, &sense_len), IP);
    bad("GetSessionOidList(phba oid)", IMA_GetSessionOidList(P, &list), WRONG);
    bad("GetConnectionProperties(lhba oid)", IMA_GetConnectionProperties(L, &conn), WRONG);
    bad("GetSupportedAuthMethods(NULL count)", IMA_GetSupportedAuthMethods(L, IMA_FALSE, NULL, NULL), IP);
    bad("GetSupportedAuthMethods(NULL list, count 2)", IMA_GetSupportedAuthMethods(L, IMA_FALSE, &count, NULL), IP);
    bad("SetInitiatorAuthMethods(count 0)", IMA_SetInitiatorAuthMethods(L, 0, chap), IP);
    bad("SetInitiatorAuthMethods(NULL list)", IMA_SetInitiatorAuthMethods(L, 1, NULL), IP);
    bad("SetInitiatorAuthMethods(method 9)", IMA_SetInitiatorAuthMethods(L, 1, methods), IP);
    bad("GetInitiatorAuthParms(method 6)", IMA_GetInitiatorAuthParms(L, (IMA_AUTHMETHOD)6, &parms), IP);
    bad("SetInitiatorAuthParms(NULL)", IMA_SetInitiatorAuthParms(L, IMA_AUTHMETHOD_CHAP, NULL), IP);
    bad("GetFirstBurstLengthProperties(NULL)", IMA_GetFirstBurstLengthProperties(L, NULL), IP);
    bad("GetFirstBurstLengthProperties(phba oid)", IMA_GetFirstBurstLengthProperties(P, &mm), WRONG);
    bad("SetInitialR2T(bool 2)", IMA_SetInitialR2T(L, 2), IP);
    bad("SetStatisticsCollection(lhba oid)", IMA_SetStatisticsCollection(L, IMA_TRUE), WRONG);
    bad("GetDeviceStatistics(lhba oid)", IMA_GetDeviceStatistics(L, &dev), WRONG);
    bad("RegisterForObjectVisibilityChanges(NULL)", IMA_RegisterForObjectVisibilityChanges(NULL), IP);
    bad("DeregisterForObjectPropertyChanges(unknown)", IMA_DeregisterForObjectPropertyChanges(ignore_property), NOTFOUND);
    bad("SetHeaderDigestValues(count 0)", IMA_SetHeaderDigestValues(L, 0, digests), IP);
    bad("SetHeaderDigestValues(digest 7)", IMA_SetHeaderDigestValues(L, 1, digests), IP);
    bad("GetMutualLocalAuthParms(method NONE)", IMA_GetMutualLocalAuthParms(T, IMA_AUTHMETHOD_NONE, &parms), IP);
    bad("SetIFMarkIntProperties(min > max)", IMA_SetIFMarkIntProperties(L, mark), IP);
    bad("SUN_IMA_SetTunableProperties(NULL)", SUN_IMA_SetTunableProperties(L, NULL), IP);
    printf("distinct bad-argument cases: %d\n", bad_cases);
    return 0;
}

/* Routing and plugin results with the two-fake-plugin setup (owner 1: 1 LHBA, owner 2: 2). */
static int routing(void) {
    const IMA_OID L = oid(IMA_OBJECT_TYPE_LHBA, 1, 100), L2 = oid(IMA_OBJECT_TYPE_LHBA, 2, 101);
    const IMA_OID T = oid(IMA_OBJECT_TYPE_TARGET, 1, 500);
    IMA_LHBA_PROPERTIES lhba;
    IMA_MIN_MAX_VALUE mm;
    IMA_OID_LIST *list = NULL;
    IMA_ADDRESS_KEYS *keys = NULL;
    IMA_OID plugin;
    IMA_OBJECT_TYPE type;
    IMA_UINT count = 0;
    IMA_DIGEST_TYPE digests[2];

    check("GetLhbaProperties(1,100)", IMA_GetLhbaProperties(L, &lhba), IMA_STATUS_SUCCESS);
    expect("osDeviceName fake1-lhba0", wcscmp(lhba.osDeviceName, L"fake1-lhba0") == 0);
    check("GetLhbaProperties(2,101)", IMA_GetLhbaProperties(L2, &lhba), IMA_STATUS_SUCCESS);
    expect("osDeviceName fake2-lhba1", wcscmp(lhba.osDeviceName, L"fake2-lhba1") == 0);
    check("GetLhbaProperties(1,150) from plugin", IMA_GetLhbaProperties(oid(IMA_OBJECT_TYPE_LHBA, 1, 150), &lhba), IMA_ERROR_OBJECT_NOT_FOUND);
    check("RemoveStaleData: plugin lacks it", IMA_RemoveStaleData(L), IMA_ERROR_NOT_SUPPORTED);
    check("GetHeaderDigestValues: plugin lacks it", IMA_GetHeaderDigestValues(L, &count, digests), IMA_ERROR_NOT_SUPPORTED);
    check("SetFirstBurstLength(100) rejected by plugin", IMA_SetFirstBurstLength(L, 100), IMA_ERROR_INVALID_PARAMETER);
    check("SetFirstBurstLength(4096)", IMA_SetFirstBurstLength(L, 4096), IMA_STATUS_SUCCESS);
    check("GetFirstBurstLengthProperties", IMA_GetFirstBurstLengthProperties(L, &mm), IMA_STATUS_SUCCESS);
    expect("FirstBurstLength now 4096", mm.currentValue == 4096 && mm.minimumValue == 512);
    check("GetAssociatedPluginOid(target)", IMA_GetAssociatedPluginOid(T, &plugin), IMA_STATUS_SUCCESS);
    expect("associated plugin {PLUGIN,1,0}", plugin.objectType == IMA_OBJECT_TYPE_PLUGIN && plugin.ownerId == 1 && plugin.objectSequenceNumber == 0);
    check("GetAssociatedPluginOid(session)", IMA_GetAssociatedPluginOid(oid(IMA_OBJECT_TYPE_SESSION, 2, 9), &plugin), IMA_STATUS_SUCCESS);
    check("GetObjectType(shared node)", IMA_GetObjectType(oid(IMA_OBJECT_TYPE_NODE, 0, 0), &type), IMA_STATUS_SUCCESS);
    expect("shared node type NODE", type == IMA_OBJECT_TYPE_NODE);
    check("GetTargetOidList(1,100)", IMA_GetTargetOidList(L, &list), IMA_STATUS_SUCCESS);
    expect("two targets of owner 1", list && list->oidCount == 2 && list->oids[0].ownerId == 1 && list->oids[1].objectSequenceNumber == 501);
    check("free target list", IMA_FreeMemory(list), IMA_STATUS_SUCCESS);
    check("GetStaticDiscoveryTargetOidList", IMA_GetStaticDiscoveryTargetOidList(L2, &list), IMA_STATUS_SUCCESS);
    expect("one static target of owner 2", list && list->oidCount == 1 && list->oids[0].ownerId == 2 && list->oids[0].objectType == IMA_OBJECT_TYPE_STATIC_DISCOVERY_TARGET);
    check("free static target list", IMA_FreeMemory(list), IMA_STATUS_SUCCESS);
    check("GetAddressKeys", IMA_GetAddressKeys(T, &keys), IMA_STATUS_SUCCESS);
    expect("three address keys 127.0.0.1..3:3260..3262", keys && keys->addressKeyCount == 3 && keys->addressKeys[2].portNumber == 3262 && keys->addressKeys[2].ipAddress.ipAddress[3] == 3);
    check("free address keys", IMA_FreeMemory(keys), IMA_STATUS_SUCCESS);
    check("GetSessionOidList(1,100)", IMA_GetSessionOidList(L, &list), IMA_STATUS_SUCCESS);
    expect("one session", list && list->oidCount == 1 && list->oids[0].objectType == IMA_OBJECT_TYPE_SESSION);
    check("free session list", IMA_FreeMemory(list), IMA_STATUS_SUCCESS);
    expect("plugin 1 lists all freed", ioctl_counter(1, 2) == 0);
    expect("plugin 2 lists all freed", ioctl_counter(2, 2) == 0);
    return 0;
}

static IMA_UINT expected_lhbas;

static void *thread_main(void *arg) {
    long id = (long)arg;
    for (int i = 0; i < 300; i++) {
        IMA_OID_LIST *list = NULL;
        if (IMA_GetLhbaOidList(&list) != IMA_STATUS_SUCCESS || list == NULL || list->oidCount != expected_lhbas) {
            printf("FAIL thread %ld iteration %d: LHBA list\n", id, i);
            __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
            return NULL;
        }
        for (IMA_UINT k = 0; k < list->oidCount; k++) {
            IMA_LHBA_PROPERTIES props;
            if (IMA_GetLhbaProperties(list->oids[k], &props) != IMA_STATUS_SUCCESS)
                __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
        }
        if (IMA_FreeMemory(list) != IMA_STATUS_SUCCESS) __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
        IMA_OID shared;
        IMA_NODE_PROPERTIES node;
        if (IMA_GetSharedNodeOid(&shared) != IMA_STATUS_SUCCESS || IMA_GetNodeProperties(shared, &node) != IMA_STATUS_SUCCESS)
            __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
        if (IMA_GetPhbaOidList(&list) != IMA_STATUS_SUCCESS || IMA_FreeMemory(list) != IMA_STATUS_SUCCESS)
            __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
        if (IMA_GetLhbaProperties(oid(IMA_OBJECT_TYPE_LHBA, 77, 1), NULL) != IMA_ERROR_INVALID_PARAMETER)
            __atomic_add_fetch(&failures, 1, __ATOMIC_SEQ_CST);
        __atomic_add_fetch(&checks, 1, __ATOMIC_SEQ_CST);
    }
    return NULL;
}

static int threads(void) {
    IMA_OID_LIST *list = NULL;
    check("GetLhbaOidList", IMA_GetLhbaOidList(&list), IMA_STATUS_SUCCESS);
    if (list == NULL) return 1;
    expected_lhbas = list->oidCount;
    IMA_FreeMemory(list);
    pthread_t t[8];
    for (long i = 0; i < 8; i++) pthread_create(&t[i], NULL, thread_main, (void *)i);
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    printf("threads: 8 x 300 iterations, %d lhbas each\n", (int)expected_lhbas);
    expect("plugin 1 lists all freed after threads", ioctl_counter(1, 2) == 0);
    return 0;
}

static int node(const char *initial) {
    IMA_OID shared, p1node = oid(IMA_OBJECT_TYPE_NODE, 1, 0);
    IMA_NODE_PROPERTIES props;
    wchar_t expected[IMA_NODE_NAME_LEN];
    IMA_NODE_NAME generated;
    mbstowcs(expected, initial, IMA_NODE_NAME_LEN);
    check("GetSharedNodeOid", IMA_GetSharedNodeOid(&shared), IMA_STATUS_SUCCESS);
    expect("shared node {NODE,0,0}", shared.objectType == IMA_OBJECT_TYPE_NODE && shared.ownerId == 0 && shared.objectSequenceNumber == 0);
    check("GetNodeProperties(shared)", IMA_GetNodeProperties(shared, &props), IMA_STATUS_SUCCESS);
    expect("initial shared name", props.nameValid && wcscmp(props.name, expected) == 0);
    expect("initiator mode, settable", props.runningInInitiatorMode && !props.runningInTargetMode && props.nameAndAliasSettable);
    check("plugin 1 GetNodeProperties(seq 0)", IMA_GetNodeProperties(p1node, &props), IMA_STATUS_SUCCESS);
    expect("plugin 1 was told the shared name at init", wcscmp(props.name, expected) == 0);
    check("SetNodeName(shared)", IMA_SetNodeName(shared, L"iqn.2025-01.invalid.test:renamed"), IMA_STATUS_SUCCESS);
    check("GetNodeProperties(shared) after set", IMA_GetNodeProperties(shared, &props), IMA_STATUS_SUCCESS);
    expect("shared name renamed", wcscmp(props.name, L"iqn.2025-01.invalid.test:renamed") == 0);
    check("plugin 2 GetNodeProperties(seq 0)", IMA_GetNodeProperties(oid(IMA_OBJECT_TYPE_NODE, 2, 0), &props), IMA_STATUS_SUCCESS);
    expect("plugin 2 was told the new name", wcscmp(props.name, L"iqn.2025-01.invalid.test:renamed") == 0);
    check("SetNodeAlias(shared)", IMA_SetNodeAlias(shared, L"my alias"), IMA_STATUS_SUCCESS);
    check("GetNodeProperties(shared) alias", IMA_GetNodeProperties(shared, &props), IMA_STATUS_SUCCESS);
    expect("alias set", props.aliasValid && wcscmp(props.alias, L"my alias") == 0);
    check("plugin 1 GetNodeProperties alias", IMA_GetNodeProperties(p1node, &props), IMA_STATUS_SUCCESS);
    expect("plugin 1 was told the alias", props.aliasValid && wcscmp(props.alias, L"my alias") == 0);
    check("SetNodeAlias(shared, NULL) deletes", IMA_SetNodeAlias(shared, NULL), IMA_STATUS_SUCCESS);
    check("GetNodeProperties(shared) no alias", IMA_GetNodeProperties(shared, &props), IMA_STATUS_SUCCESS);
    expect("alias deleted", !props.aliasValid);
    wchar_t longest[IMA_NODE_NAME_LEN];
    wcscpy(longest, L"iqn.");
    wmemset(longest + 4, L'a', 219);
    longest[223] = 0;
    check("SetNodeName(223 chars) accepted", IMA_SetNodeName(shared, longest), IMA_STATUS_SUCCESS);
    check("GetNodeProperties(shared) 223 chars", IMA_GetNodeProperties(shared, &props), IMA_STATUS_SUCCESS);
    expect("223-character name stored", wcscmp(props.name, longest) == 0);
    check("SetNodeName(shared) back", IMA_SetNodeName(shared, L"iqn.2025-01.invalid.test:renamed"), IMA_STATUS_SUCCESS);
    check("GenerateNodeName", IMA_GenerateNodeName(generated), IMA_STATUS_SUCCESS);
    expect("generated name has our naming authority", wcsncmp(generated, L"iqn.2025-01.invalid.iscsi-ima:", 30) == 0 && wcslen(generated) < IMA_NODE_NAME_LEN);
    return 0;
}

static atomic_int visible_events, hidden_events, foreign_events, nested_ok;

static void on_visibility(IMA_BOOL visible, IMA_OID o) {
    if (o.ownerId != 1 && o.ownerId != 2) { atomic_fetch_add(&foreign_events, 1); return; }
    if (visible) atomic_fetch_add(&visible_events, 1); else atomic_fetch_add(&hidden_events, 1);
    /* Calling back into the library from a callback must not deadlock. */
    IMA_OID_LIST *list = NULL;
    if (IMA_GetPluginOidList(&list) == IMA_STATUS_SUCCESS && IMA_FreeMemory(list) == IMA_STATUS_SUCCESS)
        atomic_fetch_add(&nested_ok, 1);
}

static int callbacks(void) {
    check("RegisterForObjectVisibilityChanges", IMA_RegisterForObjectVisibilityChanges(on_visibility), IMA_STATUS_SUCCESS);
    check("Register twice is accepted once", IMA_RegisterForObjectVisibilityChanges(on_visibility), IMA_STATUS_SUCCESS);
    for (int i = 0; i < 200 && (atomic_load(&visible_events) < 2 || atomic_load(&hidden_events) < 2); i++) usleep(10000);
    usleep(50000);
    printf("events visible=%d hidden=%d foreign=%d nested=%d\n", atomic_load(&visible_events),
        atomic_load(&hidden_events), atomic_load(&foreign_events), atomic_load(&nested_ok));
    expect("one synchronous visible event per plugin", atomic_load(&visible_events) == 2);
    expect("one delayed hidden event per plugin", atomic_load(&hidden_events) == 2);
    expect("foreign-owner events dropped", atomic_load(&foreign_events) == 0);
    expect("callbacks could call the library", atomic_load(&nested_ok) == 4);
    check("DeregisterForObjectVisibilityChanges", IMA_DeregisterForObjectVisibilityChanges(on_visibility), IMA_STATUS_SUCCESS);
    check("Deregister again", IMA_DeregisterForObjectVisibilityChanges(on_visibility), IMA_ERROR_OBJECT_NOT_FOUND);
    check("RegisterForObjectPropertyChanges: plugins lack it, still registered", IMA_RegisterForObjectPropertyChanges(ignore_property), IMA_STATUS_SUCCESS);
    check("DeregisterForObjectPropertyChanges", IMA_DeregisterForObjectPropertyChanges(ignore_property), IMA_STATUS_SUCCESS);
    return 0;
}

/* status CALL:TYPE:OWNER:SEQ ... prints "CALL TYPE OWNER SEQ 0xSTATUS". */
static int status_mode(int argc, char **argv) {
    for (int i = 2; i < argc; i++) {
        char call[64];
        int type;
        unsigned owner;
        long long seq;
        if (sscanf(argv[i], "%63[^:]:%d:%u:%lld", call, &type, &owner, &seq) != 4) return 2;
        IMA_OID o = oid((IMA_OBJECT_TYPE)type, owner, seq);
        IMA_STATUS s;
        IMA_LHBA_PROPERTIES lhba;
        IMA_PHBA_PROPERTIES phba;
        IMA_PHBA_DOWNLOAD_PROPERTIES download;
        IMA_OID_LIST *list = NULL;
        if (strcmp(call, "GetLhbaProperties") == 0) s = IMA_GetLhbaProperties(o, &lhba);
        else if (strcmp(call, "GetPhbaDownloadProperties") == 0)
            s = IMA_GetPhbaDownloadProperties(o, &download);
        else if (strcmp(call, "GetPhbaProperties") == 0) s = IMA_GetPhbaProperties(o, &phba);
        else if (strcmp(call, "GetSessionOidList") == 0) s = IMA_GetSessionOidList(o, &list);
        else if (strcmp(call, "GetTargetOidList") == 0) s = IMA_GetTargetOidList(o, &list);
        else if (strcmp(call, "RemoveStaleData") == 0) s = IMA_RemoveStaleData(o);
        else return 2;
        if (list != NULL && IMA_FreeMemory(list) != IMA_STATUS_SUCCESS) failures++;
        printf("%s %d %u %lld 0x%lx\n", call, type, owner, seq, s);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    int rc;
    if (strcmp(argv[1], "report") == 0) rc = report();
    else if (strcmp(argv[1], "badargs") == 0) { rc = badargs(); rc |= routing(); }
    else if (strcmp(argv[1], "threads") == 0) rc = threads();
    else if (strcmp(argv[1], "node") == 0 && argc == 3) rc = node(argv[2]);
    else if (strcmp(argv[1], "callbacks") == 0) rc = callbacks();
    else if (strcmp(argv[1], "status") == 0) rc = status_mode(argc, argv);
    else return 2;
    printf("%d checks, %d failed\n", checks, failures);
    return (rc != 0 || failures != 0) ? 1 : 0;
}
