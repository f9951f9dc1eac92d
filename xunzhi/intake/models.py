"""Provenance of imported rows: one batch per imported file."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """One import of one file: who sent it, when, and what it changed."""

    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件校验和", max_length=64, blank=True)
    kind = models.CharField("台账类型", max_length=20, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    added = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    summary = models.JSONField("摘要", default=dict, blank=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.created_at:%Y-%m-%d %H:%M}）"
