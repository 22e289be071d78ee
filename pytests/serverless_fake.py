"""An in-memory Redshift Serverless for the sparkify-infra tests: moto has no backend for it.

A real botocore client whose requests never leave the process: a ``before-call`` hook answers
them from dictionaries, the way botocore's Stubber does, but with state, so ``up``, ``status``
and ``down`` can run in any order. A new workgroup is CREATING on its first read and AVAILABLE
after, so the waiting code runs. Exact parameters are checked with Stubber in test_infra.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

ACCOUNT = "123456789012"


class _NotFound(Exception):
    pass


@dataclass
class ServerlessFake:
    region: str = "us-east-1"
    namespaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    workgroups: dict[str, dict[str, Any]] = field(default_factory=dict)
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def client(self) -> Any:
        client = boto3.client(
            "redshift-serverless",
            region_name=self.region,
            # never contacted: the hook answers first
            endpoint_url="http://127.0.0.1:9",
            aws_access_key_id="fake",
            aws_secret_access_key="fake",
        )
        client.meta.events.register("before-call.redshift-serverless", self._answer)
        return client

    def add_foreign_namespace(self, name: str) -> None:
        self.namespaces[name] = {
            "namespaceName": name,
            "namespaceArn": self._arn("namespace", name),
            "status": "AVAILABLE",
            "iamRoles": [],
            "dbName": "dev",
            "adminUsername": "someone",
        }

    def _arn(self, kind: str, name: str) -> str:
        return f"arn:aws:redshift-serverless:{self.region}:{ACCOUNT}:{kind}/{name}-id"

    def _answer(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = params.get("body") or b"{}"
        request = json.loads(body.decode() if isinstance(body, bytes) else body or "{}")
        self.calls.append((model.name, request))
        try:
            parsed = getattr(self, f"_{model.name}")(request)
            return AWSResponse("http://127.0.0.1:9", 200, {}, None), parsed
        except _NotFound as missing:
            error = {"Error": {"Code": "ResourceNotFoundException", "Message": str(missing)}}
            return AWSResponse("http://127.0.0.1:9", 400, {}, None), error

    def _namespace(self, name: str) -> dict[str, Any]:
        if name not in self.namespaces:
            raise _NotFound(f"namespace {name} not found")
        namespace = self.namespaces[name]
        if namespace["status"] == "DELETING":
            del self.namespaces[name]
        return namespace

    def _workgroup(self, name: str) -> dict[str, Any]:
        if name not in self.workgroups:
            raise _NotFound(f"workgroup {name} not found")
        workgroup = self.workgroups[name]
        if workgroup["status"] == "DELETING":
            del self.workgroups[name]
        elif workgroup["status"] == "CREATING":
            workgroup["status"] = "AVAILABLE"
            workgroup["endpoint"] = {
                "address": f"{name}.{ACCOUNT}.{self.region}.redshift-serverless.amazonaws.com",
                "port": 5439,
            }
        return dict(workgroup)

    def _GetNamespace(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"namespace": self._namespace(request["namespaceName"])}

    def _GetWorkgroup(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"workgroup": self._workgroup(request["workgroupName"])}

    def _ListTagsForResource(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"tags": self.tags.get(request["resourceArn"], [])}

    def _CreateNamespace(self, request: dict[str, Any]) -> dict[str, Any]:
        name = request["namespaceName"]
        arn = self._arn("namespace", name)
        self.namespaces[name] = {
            "namespaceName": name,
            "namespaceArn": arn,
            "status": "AVAILABLE",
            "iamRoles": [f"IamRole(applyStatus=in-sync, iamRoleArn={role})" for role in request["iamRoles"]],
            "defaultIamRoleArn": request.get("defaultIamRoleArn"),
            "dbName": request.get("dbName", "dev"),
            "adminUsername": request["adminUsername"],
        }
        self.tags[arn] = request.get("tags", [])
        return {"namespace": self.namespaces[name]}

    def _CreateWorkgroup(self, request: dict[str, Any]) -> dict[str, Any]:
        name = request["workgroupName"]
        if request["namespaceName"] not in self.namespaces:
            raise _NotFound(f"namespace {request['namespaceName']} not found")
        arn = self._arn("workgroup", name)
        self.workgroups[name] = {
            "workgroupName": name,
            "workgroupArn": arn,
            "namespaceName": request["namespaceName"],
            "baseCapacity": request.get("baseCapacity", 128),
            "publiclyAccessible": request.get("publiclyAccessible", False),
            "status": "CREATING",
        }
        self.tags[arn] = request.get("tags", [])
        return {"workgroup": dict(self.workgroups[name])}

    def _UpdateNamespace(self, request: dict[str, Any]) -> dict[str, Any]:
        namespace = self._namespace(request["namespaceName"])
        namespace["iamRoles"] = list(request.get("iamRoles", namespace["iamRoles"]))
        return {"namespace": namespace}

    def _UpdateWorkgroup(self, request: dict[str, Any]) -> dict[str, Any]:
        workgroup = self.workgroups[request["workgroupName"]]
        workgroup["baseCapacity"] = request.get("baseCapacity", workgroup["baseCapacity"])
        return {"workgroup": dict(workgroup)}

    def _DeleteWorkgroup(self, request: dict[str, Any]) -> dict[str, Any]:
        workgroup = self._workgroup(request["workgroupName"])
        self.workgroups[request["workgroupName"]]["status"] = "DELETING"
        return {"workgroup": workgroup}

    def _DeleteNamespace(self, request: dict[str, Any]) -> dict[str, Any]:
        name = request["namespaceName"]
        if any(w["namespaceName"] == name for w in self.workgroups.values()):
            raise AssertionError("a namespace cannot be deleted while a workgroup uses it")
        namespace = self._namespace(name)
        self.namespaces[name]["status"] = "DELETING"
        return {"namespace": namespace}
