/*
 * A minimal IMA plugin written in C against ima.h: it exports only Initialize, Terminate,
 * IMA_FreeMemory, IMA_GetLhbaOidList (one LHBA, sequence number 7) and IMA_GetLnpOidList,
 * which misbehaves by returning success with a NULL list. Everything else is missing, so the
 * library must skip it in aggregates and answer NOT_SUPPORTED when routing to it.
 */
#include <stdlib.h>
#include "ima.h"

static IMA_UINT32 owner;

IMA_STATUS Initialize(IMA_UINT32 ownerId) { owner = ownerId; return IMA_STATUS_SUCCESS; }
void Terminate(void) {}

IMA_STATUS IMA_FreeMemory(void *p) { free(p); return IMA_STATUS_SUCCESS; }

IMA_STATUS IMA_GetLhbaOidList(IMA_OID_LIST **ppList) {
    IMA_OID_LIST *list = calloc(1, sizeof(IMA_OID_LIST));
    if (list == NULL) return IMA_ERROR_INSUFFICIENT_MEMORY;
    list->oidCount = 1;
    list->oids[0].objectType = IMA_OBJECT_TYPE_LHBA;
    list->oids[0].ownerId = owner;
    list->oids[0].objectSequenceNumber = 7;
    *ppList = list;
    return IMA_STATUS_SUCCESS;
}

IMA_STATUS IMA_GetLnpOidList(IMA_OID_LIST **ppList) {
    *ppList = NULL;
    return IMA_STATUS_SUCCESS;
}
