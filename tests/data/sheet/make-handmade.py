#!/usr/bin/env python3
"""Writes handmade.xlsx: an XLSX not made by libxlsxwriter, for test_sheet.

Made with Python's zipfile (deflate), by hand, with what Excel, WPS and
other tools put in files that our own templates never have:
  - sheet 1 "申请" (transitional namespace, default prefix): shared strings
    with rich text runs <r><t> and a phonetic guide <rPh> that is not part
    of the value, an inline string, an ID number typed as a number (raw
    text 1.10105194912310E+17 kept), a plain integer, a boolean, a cached
    formula string, cells skipped (B2 absent), a row skipped (row 3), a
    <c> without r, and trailing rows with only styled, empty cells;
  - sheet 2 "名单" reached through an absolute Target "/xl/worksheets/…",
    in the strict OOXML namespace with an "x:" prefix on every element;
  - an external relationship (hyperlink target) that must be ignored.
Run from this folder: python3 make-handmade.py
"""
import zipfile

CT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/data2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""

ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

WB = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="申请" sheetId="1" r:id="rId7"/><sheet name="名单" sheetId="2" r:id="rId2"/></sheets>
</workbook>"""

WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.org/x.xml" TargetMode="External"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/data2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="./worksheets/../worksheets/sheet1.xml"/>
</Relationships>"""

SST = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4" uniqueCount="4">
<si><t>姓名</t></si>
<si><r><rPr><b/></rPr><t>身份证</t></r><r><t xml:space="preserve">号码 </t></r></si>
<si><t>张三</t><rPh sb="0" eb="2"><t>ちょうさん</t></rPh></si>
<si><t>a&amp;b &lt;c&gt;</t></si>
</sst>"""

SHEET1 = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<dimension ref="A1:F4"/>
<sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><r><t>备</t></r><r><t>注</t></r></is></c></row>
<row r="2"><c r="A2" t="s"><v>2</v></c><c r="C2"><v>1.10105194912310E+17</v></c><c t="b"><v>1</v></c><c r="F2" t="str"><f>A2&amp;"!"</f><v>张三!</v></c></row>
<row r="4"><c r="A4" t="s"><v>3</v></c><c r="B4"><v>42</v></c><c r="C4" t="b"><v>0</v></c></row>
<row r="5" s="1" customFormat="1"><c r="A5" s="1"/><c r="B5" s="1"><v></v></c></row>
<row r="6"><c r="Z6" s="2"/></row>
</sheetData>
</worksheet>"""

SHEET2 = """<?xml version="1.0" encoding="UTF-8"?>
<x:worksheet xmlns:x="http://purl.oclc.org/ooxml/spreadsheetml/main">
<x:sheetData>
<x:row><x:c t="inlineStr"><x:is><x:t>单位</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>代码</x:t></x:is></x:c></x:row>
<x:row><x:c t="inlineStr"><x:is><x:t>福建省财政厅</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>12350000003591045H</x:t></x:is></x:c></x:row>
</x:sheetData>
</x:worksheet>"""

with zipfile.ZipFile("handmade.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in [("[Content_Types].xml", CT), ("_rels/.rels", ROOT_RELS),
                       ("xl/workbook.xml", WB),
                       ("xl/_rels/workbook.xml.rels", WB_RELS),
                       ("xl/sharedStrings.xml", SST),
                       ("xl/worksheets/sheet1.xml", SHEET1),
                       ("xl/worksheets/data2.xml", SHEET2)]:
        z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data,
                   zipfile.ZIP_DEFLATED)
