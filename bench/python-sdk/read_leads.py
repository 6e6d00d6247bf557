"""Zoho's official Python SDK (zohocrmsdk8-0) reading every lead of a fake-zoho, page by page,
as its samples do: the reference the connector's CPU time is compared with.

Usage: python read_leads.py API_DOMAIN ACCESS_TOKEN FIELDS EXPECTED_COUNT
The SDK is pointed at fake-zoho through a custom environment URL and a fixed OAuth access token.
"""

import sys
import tempfile

from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store.file_store import FileStore
from zohocrmsdk.src.com.zoho.api.logger import Logger
from zohocrmsdk.src.com.zoho.crm.api.dc.data_center import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.parameter_map import ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.record import GetRecordsParam, RecordOperations, ResponseWrapper
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig


def main():
    api_domain, access_token, fields, expected = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    workdir = tempfile.mkdtemp(prefix="zoho-sdk-")
    environment = DataCenter.Environment(api_domain, f"{api_domain}/oauth/v2/token", api_domain)
    Initializer.initialize(
        environment=environment,
        token=OAuthToken(access_token=access_token),
        store=FileStore(f"{workdir}/tokens.txt"),
        sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
        resource_path=workdir,
        logger=Logger.get_instance(level=Logger.Levels.CRITICAL, file_path=f"{workdir}/sdk.log"),
    )
    operations = RecordOperations("Leads")
    count = 0
    page_token = None
    page = 1
    while True:
        params = ParameterMap()
        params.add(GetRecordsParam.fields, fields)
        params.add(GetRecordsParam.per_page, 200)
        params.add(GetRecordsParam.sort_by, "id")
        params.add(GetRecordsParam.sort_order, "asc")
        if page_token:
            params = ParameterMap()
            params.add(GetRecordsParam.fields, fields)
            params.add(GetRecordsParam.per_page, 200)
            params.add(GetRecordsParam.page_token, page_token)
        else:
            params.add(GetRecordsParam.page, page)
        response = operations.get_records(params)
        wrapper = response.get_object()
        if not isinstance(wrapper, ResponseWrapper):
            raise SystemExit(f"the SDK got {response.get_status_code()}: {wrapper}")
        records = wrapper.get_data()
        count += len(records)
        info = wrapper.get_info()
        if not info.get_more_records():
            break
        page_token = info.get_next_page_token()
        page += 1
    if count != expected:
        raise SystemExit(f"read {count} leads, expected {expected}")
    print(count)


if __name__ == "__main__":
    main()
