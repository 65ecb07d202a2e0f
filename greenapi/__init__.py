"""The Green API client: plain Python (no Django), typed results, one error family.

    partner = PartnerClient(base_url=..., partner_token=..., config=ClientConfig())
    created = partner.create_instance(CreateInstanceParams(name="Shop", state_webhook=True))
    client = InstanceClient(base_url="", id_instance=created.id_instance,
                            api_token=created.api_token, type_instance=created.type_instance)
    client.get_state_instance()  # None while the instance is being created

Every call has a connect/read timeout and an overall deadline (`ClientConfig`). Only GET calls
are retried; createInstance, deleteInstanceAccount, setSettings and getAuthorizationCode are
sent exactly once. Tokens never appear in a repr, a log record or an error.
"""

from greenapi.config import ClientConfig
from greenapi.errors import (
    BadRequest,
    BadResponse,
    GreenAPIError,
    InstanceDeleted,
    InstanceExpired,
    InstanceNotAuthorized,
    InstanceNotReady,
    NotFound,
    QuotaExceeded,
    RateLimited,
    Unauthorized,
    Unavailable,
    UpstreamTimeout,
)
from greenapi.hosts import instance_api_url, instance_media_url
from greenapi.instance import InstanceClient
from greenapi.messages import JournalMessage, QueuedMessage, personal_chat_id
from greenapi.models import (
    NEVER,
    AuthorizationCode,
    CreatedInstance,
    InstanceSettings,
    PartnerInstance,
    QrResult,
    WaSettings,
)
from greenapi.observe import CallEvent, Observer
from greenapi.params import CreateInstanceParams
from greenapi.partner import PartnerClient
from greenapi.transport import new_session

__all__ = [
    "NEVER",
    "AuthorizationCode",
    "BadRequest",
    "BadResponse",
    "CallEvent",
    "ClientConfig",
    "CreateInstanceParams",
    "CreatedInstance",
    "GreenAPIError",
    "InstanceClient",
    "InstanceDeleted",
    "InstanceExpired",
    "InstanceNotAuthorized",
    "InstanceNotReady",
    "InstanceSettings",
    "JournalMessage",
    "NotFound",
    "Observer",
    "PartnerClient",
    "PartnerInstance",
    "QrResult",
    "QueuedMessage",
    "QuotaExceeded",
    "RateLimited",
    "Unauthorized",
    "Unavailable",
    "UpstreamTimeout",
    "WaSettings",
    "instance_api_url",
    "instance_media_url",
    "new_session",
    "personal_chat_id",
]
